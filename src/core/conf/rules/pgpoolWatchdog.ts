/** Watchdog settings that start fine but fail when it matters: quorum, failover safety, the VIP's privileges. */
import { compareRelease } from '../catalog/pgpool';
import type { RuleContext } from '../context';
import type { ConfEntry } from '../parser';
import type { PgpoolModel } from '../pgpoolModel';
import { range, type Fix } from '../types';
import { watchdogConf } from '../watchdogModel';

/** Sets `name = value`: rewrites the written value, else adds a line after `after`. */
function setFix(ctx: RuleContext, model: PgpoolModel, name: string, value: string, after: ConfEntry): Fix {
  const e = model.last.get(name);
  if (e) return { title: `Set ${name} = ${value}`, edits: [{ range: e.valueRange, newText: value }] };
  const len = (ctx.doc.lines[after.line] ?? '').length;
  return { title: `Add ${name} = ${value}`, edits: [{ range: range(after.line, len, len), newText: `\n${name} = ${value}` }] };
}

/** The program a command runs, past `env VAR=x` prefixes. */
function program(cmd: string): string {
  const words = cmd.trim().split(/\s+/);
  let i = 0;
  if (words[i] === 'env') i++;
  while (i < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[i] ?? '')) i++;
  return (words[i] ?? '').split('/').pop() ?? '';
}

const NEEDS_PRIVILEGE: Record<string, string> = { ip: 'add or remove an address', ifconfig: 'add or remove an address', arping: 'send gratuitous ARP' };

export function checkPgpoolWatchdog(ctx: RuleContext, model: PgpoolModel): void {
  const wd = watchdogConf(model);
  const use = model.last.get('use_watchdog');
  if (!wd || !use) return;
  const count = wd.members.length;

  // Quorum with an even count: before 4.1 exactly half counted (both halves of a split could act); from 4.1 it
  // counts only with enable_consensus_with_half_votes, so losing one node of two loses quorum.
  if (count >= 2 && count % 2 === 0) {
    if (model.catalog.has('enable_consensus_with_half_votes')) {
      if (!model.bool('enable_consensus_with_half_votes')) {
        ctx.report({ range: (model.last.get('enable_consensus_with_half_votes') ?? use).nameRange, severity: 'warning', code: 'pgpool/watchdog-even-count',
          message: `The watchdog has ${count} pgpool nodes (an even count) and enable_consensus_with_half_votes is off: quorum needs ${count / 2 + 1}, so losing ${count / 2} node(s) stops failover and the VIP. Add a pgpool node (an odd count), or set enable_consensus_with_half_votes = on.`,
          fixes: [setFix(ctx, model, 'enable_consensus_with_half_votes', 'on', use)] });
      }
    } else {
      ctx.report({ range: use.nameRange, severity: 'warning', code: 'pgpool/watchdog-even-count',
        message: `The watchdog has ${count} pgpool nodes (an even count): pgpool-II ${ctx.pgpool} counts exactly half as quorum, so both halves of a network split can hold the VIP and fail over. Add a pgpool node (an odd count).` });
    }
  }

  if (model.catalog.has('failover_when_quorum_exists') && !model.bool('failover_when_quorum_exists')) {
    const e = model.last.get('failover_when_quorum_exists');
    ctx.report({ range: (e ?? use).nameRange, severity: 'warning', code: 'pgpool/watchdog-failover-without-quorum',
      message: `use_watchdog is on but failover_when_quorum_exists is ${e ? 'off' : 'off (the default up to 4.2)'}: a pgpool node cut off from the others fails over on its own, and the two sides of a split can promote two primaries. Set failover_when_quorum_exists = on.`,
      fixes: [setFix(ctx, model, 'failover_when_quorum_exists', 'on', use)] });
  }

  if (count === 2 && (model.effective('trusted_servers') ?? '').trim() === '') {
    const e = model.last.get('trusted_servers');
    ctx.report({ range: (e ?? use).nameRange, severity: 'warning', code: 'pgpool/watchdog-two-nodes-no-trusted-servers',
      message: 'A two-node watchdog with trusted_servers empty: a pgpool node whose own network is down cannot tell that from its peer dying, so it keeps or takes the VIP and both nodes hold it. List hosts outside the cluster that always answer (the gateway, a DNS server) in trusted_servers.' });
  }

  if (wd.delegateIp) {
    const legacySetuid = compareRelease(ctx.pgpool, '4.1') < 0;
    for (const name of ['if_up_cmd', 'if_down_cmd', 'arping_cmd']) {
      const cmd = model.effective(name) ?? '';
      const prog = program(cmd);
      const what = NEEDS_PRIVILEGE[prog];
      if (!what || /(^|[\s/])(sudo|doas)\s/.test(cmd)) continue;
      const e = model.last.get(name);
      ctx.report({ range: (e ?? wd.delegateIp.entry).nameRange, severity: 'warning', code: 'pgpool/watchdog-vip-without-privilege',
        message: `${name}${e ? '' : ' (default)'} runs ${prog} without sudo: pgpool runs as an ordinary user, which cannot ${what}, so the VIP ${wd.delegateIp.value} never ${name === 'if_down_cmd' ? 'leaves a former leader' : 'comes up'}. ${legacySetuid ? `pgpool-II ${ctx.pgpool} runs it from if_cmd_path / arping_path: make that ${prog} setuid root, or` : 'Prefix it with sudo (a NOPASSWD rule for the pgpool user), or'} give ${prog} the capability (setcap cap_net_admin,cap_net_raw+ep), or run pgpool as root.`,
        ...(e && !legacySetuid && !cmd.includes("'") ? { fixes: [{ title: `Run ${name} with sudo`, edits: [{ range: e.valueRange, newText: `'/usr/bin/sudo ${cmd.trim()}'` }] }] } : {}) });
    }
  }
}
