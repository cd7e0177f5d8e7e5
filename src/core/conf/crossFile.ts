/** Checks across files of one cluster: pgpool.conf against postgresql.conf and pg_hba.conf. */
import { parseHba, type HbaRecord } from './hba';
import { lintDocument } from './lint';
import { parseConf } from './parser';
import { PgpoolModel } from './pgpoolModel';
import { detectVersions } from './version';
import { parseBool, parseNumber } from './values';
import { range, type ConfLanguageId, type Diagnostic } from './types';
import { checkWatchdogFiles } from './watchdogCrossFile';

export interface ConfFile {
  fileName: string;
  languageId: ConfLanguageId;
  text: string;
}

function ipv4ToInt(ip: string): number | undefined {
  const p = ip.split('.');
  if (p.length !== 4 || p.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255)) return undefined;
  return p.reduce((acc, x) => acc * 256 + Number(x), 0);
}

/** Does an hba record's address admit this host (exact name, CIDR, address+mask, all)? */
export function hbaAdmits(rec: HbaRecord, host: string): boolean {
  if (rec.type.value === 'local' || !rec.address) return false;
  const a = rec.address.value.toLowerCase();
  if (a === 'all') return true;
  const h = host.toLowerCase();
  if (a === h) return true;
  const ip = ipv4ToInt(h);
  if (ip === undefined) return a.startsWith('.') && h.endsWith(a);
  let net: number | undefined;
  let bits: number;
  if (a.includes('/')) {
    const [n, b] = a.split('/');
    net = ipv4ToInt(n ?? '');
    bits = Number(b);
  } else {
    net = ipv4ToInt(a);
    const mask = rec.mask ? ipv4ToInt(rec.mask.value) : 0xffffffff;
    bits = mask === undefined ? 32 : mask.toString(2).replace(/0/g, '').length;
  }
  if (net === undefined || !(bits >= 0 && bits <= 32)) return false;
  const m = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  return ((ip & m) >>> 0) === ((net & m) >>> 0);
}

/** Cross-file diagnostics keyed by file name (only files with findings appear). */
export function crossCheck(files: ConfFile[], options: { pgpoolVersion?: string; postgresVersion?: string } = {}): Map<string, Diagnostic[]> {
  const out = new Map<string, Diagnostic[]>();
  const add = (file: string, d: Diagnostic): void => { const l = out.get(file) ?? []; l.push(d); out.set(file, l); };
  checkWatchdogFiles(files, options, add);
  const pgpoolFile = files.find((f) => f.languageId === 'pgpool-conf');
  // The checks below compare pgpool.conf with PostgreSQL's files: without one, do not parse it again.
  if (!pgpoolFile || !files.some((f) => f.languageId === 'postgresql-conf' || f.languageId === 'pg-hba-conf')) return out;
  const v = detectVersions(pgpoolFile.text, options.pgpoolVersion, options.postgresVersion);
  const model = new PgpoolModel(parseConf(pgpoolFile.text, 'pgpool'), v.pgpool);
  const backends = model.usedBackends();
  const sr = model.isStreamingReplication();
  const standbys = Math.max(0, backends.length - 1);
  for (const f of files) {
    if (f.languageId === 'postgresql-conf' && sr && backends.length > 1) {
      const pv = detectVersions(f.text, options.pgpoolVersion, options.postgresVersion).postgres;
      const doc = parseConf(f.text, 'postgresql');
      const last = new Map(doc.entries.map((e) => [e.key, e]));
      const wal = last.get('wal_level');
      const walValue = wal?.value.toLowerCase() ?? (pv >= 10 ? 'replica' : 'minimal');
      if (walValue === 'minimal') {
        add(f.fileName, { range: wal ? wal.valueRange : range(0, 0, 0), severity: 'error', code: 'cross/wal-level-minimal',
          message: `wal_level is minimal${wal ? '' : ' (the default before PostgreSQL 10)'}, but ${pgpoolFile.fileName} runs streaming replication with ${backends.length} backends: standbys cannot stream. Set wal_level = replica.` });
      }
      const senders = last.get('max_wal_senders');
      const sendersN = senders ? parseNumber(senders.value, undefined, true) : { ok: true as const, value: pv >= 10 ? 10 : 0 };
      if (sendersN.ok && sendersN.value < standbys) {
        add(f.fileName, { range: senders ? senders.valueRange : range(0, 0, 0), severity: 'warning', code: 'cross/max-wal-senders-too-low',
          message: `max_wal_senders is ${sendersN.value}, fewer than the ${standbys} standby(s) in ${pgpoolFile.fileName} (keep a spare for pg_basebackup/pg_rewind).` });
      }
      const hs = last.get('hot_standby');
      if (hs && parseBool(hs.value) === false && model.bool('load_balance_mode')) {
        add(f.fileName, { range: hs.valueRange, severity: 'warning', code: 'cross/hot-standby-off',
          message: `hot_standby is off but ${pgpoolFile.fileName} load-balances reads to standbys: a standby with this file refuses queries.` });
      }
    }
    if (f.languageId === 'pg-hba-conf' && !/pool_hba\.conf$/.test(f.fileName) && sr) {
      const hba = parseHba(f.text);
      const repl = hba.records.filter((r) => r.database.value.split(',').includes('replication') && r.method.value !== 'reject');
      for (const b of backends) {
        const host = b.hostname?.value ?? '';
        if (host === '' || host.startsWith('/')) continue;
        if (!repl.some((r) => hbaAdmits(r, host))) {
          add(f.fileName, { range: range(0, 0, (f.text.split('\n')[0] ?? '').length), severity: 'warning', code: 'cross/no-replication-hba',
            message: `No "replication" entry admits backend ${b.index} (${host}) from ${pgpoolFile.fileName}: after a failover it cannot stream from this server. Add e.g. "host replication repl ${/^[\d.]+$/.test(host) ? `${host}/32` : host} scram-sha-256".` });
        }
      }
    }
    if (f.languageId === 'pg-hba-conf' && /pool_hba\.conf$/.test(f.fileName)) {
      const enabled = model.bool('enable_pool_hba');
      if (!enabled) {
        add(f.fileName, { range: range(0, 0, 0), severity: 'information', code: 'cross/pool-hba-unused',
          message: `enable_pool_hba is off in ${pgpoolFile.fileName}: pgpool ignores this pool_hba.conf.` });
      } else {
        const listen = (model.effective('listen_addresses') ?? '').trim();
        if (listen === '*') {
          for (const d of lintDocument(f.text, { languageId: 'pg-hba-conf', fileName: f.fileName })) {
            if (d.code === 'hba/trust-non-local') add(f.fileName, { ...d, code: 'cross/listen-all-with-trust', fixes: [],
              message: `pgpool listens on every address (listen_addresses = '*') and this entry trusts non-local clients: anyone on the network gets in without a password.` });
          }
        }
      }
    }
  }
  return out;
}
