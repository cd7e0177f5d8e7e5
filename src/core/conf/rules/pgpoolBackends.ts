/** Indexed parameters: backend slots, per-node health checks, backend_flag, watchdog node lists. */
import { compareRelease } from '../catalog/pgpool';
import type { RuleContext } from '../context';
import type { PgpoolModel } from '../pgpoolModel';
import { range } from '../types';

const FLAGS = ['ALLOW_TO_FAILOVER', 'DISALLOW_TO_FAILOVER', 'ALWAYS_PRIMARY', 'ALWAYS_MASTER'];

export function checkPgpoolBackends(ctx: RuleContext, model: PgpoolModel): void {
  const slots = model.backendSlots();
  const used = new Set(model.usedBackends().map((s) => s.index));
  const seenHostPort = new Map<string, number>();
  for (const slot of slots.values()) {
    const { index, hostname, port } = slot;
    if (hostname && !port) {
      const line = ctx.doc.lines[hostname.line] ?? '';
      ctx.report({ range: hostname.nameRange, severity: 'warning', code: 'pgpool/backend-missing-port',
        message: `backend_hostname${index} has no backend_port${index}: pgpool treats slot ${index} as unused and never connects to ${hostname.value || 'it'}.`,
        fixes: [{ title: `Add backend_port${index} = 5432`, edits: [{ range: range(hostname.line, line.length, line.length), newText: `\nbackend_port${index} = 5432` }] }] });
    }
    if (port && !hostname && used.has(index)) {
      ctx.report({ range: port.nameRange, severity: 'warning', code: 'pgpool/backend-missing-hostname',
        message: `backend_port${index} has no backend_hostname${index}: an empty host name means the Unix socket in /tmp, which only works when PostgreSQL runs on the pgpool host.` });
    }
    if (port && hostname && used.has(index)) {
      const key = `${hostname.value.toLowerCase()}:${port.value.trim()}`;
      const first = seenHostPort.get(key);
      if (first !== undefined) {
        ctx.report({ range: hostname.valueRange, severity: 'error', code: 'pgpool/duplicate-backend',
          message: `Backend ${index} points at ${hostname.value}:${port.value}, the same server as backend ${first}: pgpool would treat one server as two nodes (load balancing and failover go wrong).` });
      } else seenHostPort.set(key, index);
    }
    for (const s of slot.entries) {
      if (s.resolved?.base === 'backend_flag') checkFlag(ctx, s.entry);
    }
    if (!used.has(index) && index <= 127) {
      for (const s of slot.entries) {
        const base = s.resolved?.base;
        if (base === 'backend_hostname' || base === 'backend_port') continue;
        ctx.report({ range: s.entry.nameRange, severity: 'warning', code: 'pgpool/setting-for-missing-backend',
          message: `${s.entry.name} configures backend ${index}, which has no backend_hostname${index}/backend_port${index}; it has no effect.` });
      }
    }
  }
  // Gaps: pgpool allows them (num_backends = highest index + 1) but they are usually a typo.
  const indexes = [...used].sort((a, b) => a - b);
  const highest = indexes[indexes.length - 1];
  if (highest !== undefined) {
    for (let i = 0; i < highest; i++) {
      if (used.has(i)) continue;
      const after = slots.get(indexes.find((x) => x > i) ?? highest);
      const at = after?.hostname ?? after?.port;
      if (!at) continue;
      ctx.report({ range: at.nameRange, severity: 'information', code: 'pgpool/backend-index-gap',
        message: `Backend ${i} is not in use (no backend_hostname${i}/backend_port${i}) although backend ${highest} is; pgpool counts ${highest + 1} nodes and shows node ${i} as unused. Number backends from 0 without gaps unless this is on purpose.` });
      break;
    }
  }
  // Per-node health-check settings for a node that does not exist.
  for (const s of model.settings) {
    const r = s.resolved;
    if (!r || r.index === undefined || r.spec.indexed !== 'both') continue;
    if (used.has(r.index)) continue;
    ctx.report({ range: s.entry.nameRange, severity: 'warning', code: 'pgpool/setting-for-missing-backend',
      message: `${s.entry.name} is for node ${r.index}, but there is no backend ${r.index} (backend_hostname${r.index}/backend_port${r.index}); it has no effect.` });
  }
}

function checkFlag(ctx: RuleContext, entry: { value: string; valueRange: ReturnType<typeof range>; name: string }): void {
  const parts = entry.value.split('|').map((p) => p.trim()).filter((p) => p !== '');
  for (const p of parts) {
    const up = p.toUpperCase();
    if (!FLAGS.includes(up)) {
      ctx.report({ range: entry.valueRange, severity: 'error', code: 'pgpool/invalid-backend-flag',
        message: `"${p}" is not a backend flag; use ALLOW_TO_FAILOVER, DISALLOW_TO_FAILOVER or ALWAYS_PRIMARY, separated by |.` });
    } else if (up === 'ALWAYS_MASTER' && compareRelease(ctx.pgpool, '4.2') >= 0) {
      ctx.report({ range: entry.valueRange, severity: 'error', code: 'pgpool/invalid-backend-flag',
        message: 'ALWAYS_MASTER was renamed ALWAYS_PRIMARY in pgpool-II 4.2.',
        fixes: [{ title: 'Rename to ALWAYS_PRIMARY', edits: [{ range: entry.valueRange, newText: `'${entry.value.replace(/ALWAYS_MASTER/i, 'ALWAYS_PRIMARY')}'` }] }] });
    } else if (up === 'ALWAYS_PRIMARY' && compareRelease(ctx.pgpool, '4.2') < 0) {
      ctx.report({ range: entry.valueRange, severity: 'error', code: 'pgpool/invalid-backend-flag',
        message: `ALWAYS_PRIMARY exists since pgpool-II 4.2; ${ctx.pgpool} calls it ALWAYS_MASTER.` });
    }
  }
  const ups = parts.map((p) => p.toUpperCase());
  if (ups.includes('ALLOW_TO_FAILOVER') && ups.includes('DISALLOW_TO_FAILOVER')) {
    ctx.report({ range: entry.valueRange, severity: 'error', code: 'pgpool/invalid-backend-flag',
      message: 'ALLOW_TO_FAILOVER and DISALLOW_TO_FAILOVER contradict each other; pgpool rejects the pair.' });
  }
}
