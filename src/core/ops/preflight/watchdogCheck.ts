/**
 * The watchdog rules that need the pgpool hosts themselves: each host's `pgpool_node_id` file (4.2+) and
 * whether `delegate_ip` lies in a subnet of one of the host's interfaces (else if_up_cmd adds an address
 * no client on the LAN can reach, and arping announces it nowhere).
 */
import * as path from 'node:path';
import { pgpoolReleaseOf, compareRelease, NEWEST_PGPOOL } from '../../conf/catalog/pgpool';
import { parseConf } from '../../conf/parser';
import { PgpoolModel } from '../../conf/pgpoolModel';
import { watchdogConf } from '../../conf/watchdogModel';
import type { ClusterDefinition, PgpoolInstance } from '../../inventory/model';
import { parseIpAddrLines, subnetHolding } from '../../remote/ipAddr';
import { discoverPgpoolPaths, readIfExists } from '../setup/configurePgpoolDiscovery';
import type { OpsEnvironment } from '../engine/environment';
import type { UnfiledCheckCell } from './checkCell';

const msg = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** One pgpool host: its pgpool.conf decides whether (and what) to check. */
export async function checkWatchdogHost(cluster: ClusterDefinition, inst: PgpoolInstance, env: OpsEnvironment, pgpoolVersion: string | undefined): Promise<UnfiledCheckCell[]> {
  const base = { from: inst.name, to: inst.name };
  // The file pgpool runs with on that host (the cluster file's configFile wins), as check reads the first one's.
  const confPath = (await discoverPgpoolPaths(env, cluster, undefined, inst)).configFile;
  let text: string | undefined;
  try {
    text = await readIfExists(env, inst.name, confPath);
  } catch (err) {
    return [{ ...base, what: 'watchdog settings', ok: false, detail: `cannot read ${confPath}: ${msg(err)}`, fix: `Check this machine's SSH access to ${inst.name}, or set configFile for it in the cluster file.` }];
  }
  if (text === undefined) return [];
  const release = pgpoolReleaseOf(cluster.pgpoolVersion ?? pgpoolVersion ?? '') ?? NEWEST_PGPOOL;
  const wd = watchdogConf(new PgpoolModel(parseConf(text, 'pgpool'), release));
  if (!wd) return [];
  const cells: UnfiledCheckCell[] = [];
  if (compareRelease(release, '4.2') >= 0) {
    const idFile = path.posix.join(path.posix.dirname(confPath), 'pgpool_node_id');
    const what = `pgpool_node_id beside ${confPath}`;
    try {
      const idText = await readIfExists(env, inst.name, idFile);
      const id = idText === undefined ? undefined : /^\s*(\d+)\s*$/.exec(idText)?.[1];
      const member = id === undefined ? undefined : wd.members.find((m) => m.index === Number(id));
      if (idText === undefined) {
        cells.push({ ...base, what, ok: false, detail: `${idFile} does not exist: pgpool refuses to start with use_watchdog on ("pgpool_node_id file is required")`,
          fix: `Write this host's index in hostnameN (0..${Math.max(0, wd.members.length - 1)}) into ${idFile}; "pgpool-cluster configure-pgpool" writes it.` });
      } else if (id === undefined) {
        cells.push({ ...base, what, ok: false, detail: `${idFile} holds "${idText.trim().slice(0, 40)}", not a number`, fix: `Write only this host's index in hostnameN into ${idFile}.` });
      } else if (!member) {
        cells.push({ ...base, what, ok: false, detail: `${idFile} says ${id}, but pgpool.conf has no hostname${id}`, fix: `Write this host's index in hostnameN (${wd.members.map((m) => m.index).join(', ')}) into ${idFile}.` });
      } else {
        cells.push({ ...base, what, ok: true, detail: `${id}: hostname${id} = ${member.host}${member.host === inst.host ? '' : ` (the cluster file reaches this host as ${inst.host})`}` });
      }
    } catch (err) {
      cells.push({ ...base, what, ok: false, detail: `cannot read ${idFile}: ${msg(err)}`, fix: `Check this machine's SSH access to ${inst.name}.` });
    }
  }
  if (wd.delegateIp) cells.push(await vipCommandCell(env, inst, text, release, wd.delegateIp.value));
  if (wd.delegateIp) {
    const vip = wd.delegateIp.value;
    const what = `delegate_ip ${vip} in a subnet of this host`;
    try {
      const r = await env.remote(inst.name).exec(['ip', '-o', '-4', 'addr', 'show'], { timeoutMs: 10_000, sudoUser: null });
      if (r.code !== 0) {
        cells.push({ ...base, what, ok: false, detail: `ip addr failed (exit ${r.code ?? 'timeout'}): ${r.stderr.trim().split('\n')[0] ?? ''}`, fix: `Install iproute2 on ${inst.name}.` });
      } else {
        const addrs = parseIpAddrLines(r.stdout);
        const hit = subnetHolding(vip, addrs);
        cells.push(hit
          ? { ...base, what, ok: true, detail: `${hit.device} ${hit.address}/${hit.prefix}` }
          : { ...base, what, ok: false, detail: `no interface's subnet holds ${vip} (${addrs.filter((a) => a.device !== 'lo').map((a) => `${a.device} ${a.address}/${a.prefix}`).join(', ') || 'no IPv4 address'}): clients on the LAN cannot reach the VIP there`,
            fix: `Choose a free address in the subnet the clients and pgpool hosts share for delegate_ip, and name that interface in if_up_cmd / arping_cmd.` });
      }
    } catch (err) {
      cells.push({ ...base, what, ok: false, detail: `cannot list ${inst.name}'s addresses: ${msg(err)}`, fix: `Check this machine's SSH access to ${inst.name}.` });
    }
  }
  return cells;
}

/**
 * if_up_cmd must be allowed to add the VIP as the pgpool user: with sudo, `sudo -n -l` (run as that user, never
 * prompting) says whether the exact command is permitted. Without sudo it cannot be told from here (a
 * capability or setuid on the program, or pgpool run as root).
 */
async function vipCommandCell(env: OpsEnvironment, inst: PgpoolInstance, text: string, release: string, vip: string): Promise<UnfiledCheckCell> {
  const model = new PgpoolModel(parseConf(text, 'pgpool'), release);
  const cmd = (model.effective('if_up_cmd') ?? '').trim();
  const base = { from: inst.name, to: inst.name, what: 'if_up_cmd may add the VIP' };
  const words = cmd.replace(/\$_IP_\$/g, vip).split(/\s+/).filter(Boolean);
  const sudoAt = words.findIndex((w) => /(^|\/)sudo$/.test(w));
  if (sudoAt < 0) {
    return { ...base, ok: true, unknown: true, detail: `cannot tell: "${cmd}" runs without sudo; it works only if its program has the capability (setcap cap_net_admin+ep), is setuid root, or pgpool runs as root` };
  }
  const rest = words.slice(sudoAt + 1).filter((w, i) => !(i === 0 && w.startsWith('-')));
  try {
    const r = await env.remote(inst.name).exec([words[sudoAt] ?? 'sudo', '-n', '-l', '--', ...rest], { timeoutMs: 10_000 });
    return r.code === 0
      ? { ...base, ok: true, detail: `sudo allows ${rest.join(' ')}` }
      : { ...base, ok: false, detail: `sudo refuses it without a password: ${(r.stderr.trim().split('\n')[0] ?? '') || `exit ${r.code ?? 'timeout'}`}`,
        fix: `Add a sudoers rule for the pgpool user on ${inst.name}, e.g. "postgres ALL=NOPASSWD: ${rest[0] ?? '/sbin/ip'}" (and the if_down_cmd and arping_cmd programs).` };
  } catch (err) {
    return { ...base, ok: false, detail: `cannot ask sudo on ${inst.name}: ${msg(err)}`, fix: `Check this machine's SSH access to ${inst.name}.` };
  }
}
