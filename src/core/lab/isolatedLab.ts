// The isolated lab: every host is its own network namespace on a bridge and its own mount namespace, held by
// an anchor process; sshd, PostgreSQL and pgpool run inside with nsenter, as `postgres`, with Debian paths.
// This file brings the lab up and down and applies faults; isolatedHosts.ts runs things on the hosts and
// isolatedHostFiles.ts writes what each host is given.
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { generatePcpConf, generatePgpoolConf, generatePoolHba, generateScripts } from '../ops/setup/pgpoolConfig';
import type { LabLayout, LabNode, LabPgpoolHost } from './layout';
import { allHosts, isPgpoolHost, LAB_PG_MAJOR, LAB_PG_PORT } from './layout';
import { isolationOf, netnsName, networkDownCommands, networkUpCommands, onMachine, type NetCommand } from './isolation';
import { diskFreeArgv, diskFullArgv, diskUsageArgv, FaultError, healNetworkCommands, networkFaultCommands, parseDfUsed, resolveHost, type Fault } from './faults';
import type { LabPrograms } from './prerequisites';
import { LabError, processAlive, processCommandLine, run, waitFor } from './proc';
import { describeLeftovers, findLeftovers, nothingLeft, readMachineView } from './leftovers';
import type { ServiceUser } from './serviceUser';
import { createRolesAndExtensions, sharedNodeSettings, waitForStreaming } from './postgres';
import { waitForPgpool } from './pgpool';
import { vipToolsScript, waitForVip } from './watchdogLab';
import { comm, emptyingPidNamespace, hostPids, HostShell, isChildOf, pgpoolPidsOn, readAnchors, runIn, runNet, startAnchor, writeAnchors } from './isolatedHosts';
import { foldersToHide, isolatedNodeHba, isolatedPgpoolInput, isolatedPrimaryConninfo, prepareHostFiles, type IsolatedUpInput } from './isolatedHostFiles';

// The hosts' shell and processes, for tests, benches and the fault campaign that act on the lab's hosts directly.
export { HostShell, hostPids, isolatedProcesses, pgpoolPidsOn, readAnchors } from './isolatedHosts';

const FAULTS = 'faults.json';

export interface ActiveFault { readonly fault: Fault; readonly at: string; readonly effect: string }

/** Faults applied since the last heal, oldest first. */
export function readFaults(layout: LabLayout): ActiveFault[] {
  try {
    return JSON.parse(readFileSync(join(layout.dir, FAULTS), 'utf8')) as ActiveFault[];
  } catch {
    return [];
  }
}

function recordFault(layout: LabLayout, fault: Fault, effect: string): string {
  writeFileSync(join(layout.dir, FAULTS), JSON.stringify([...readFaults(layout), { fault, at: new Date().toISOString(), effect }], null, 2) + '\n');
  return effect;
}

/** Builds and starts the isolated lab; `step` records timings. The caller holds the lab lock. */
export async function isolatedUp(input: IsolatedUpInput): Promise<void> {
  const { layout, programs, user, pw, step } = input;
  if (process.getuid?.() !== 0) throw new LabError('The isolated lab needs root (network and mount namespaces). Run the loopback lab instead: pgpool-cluster lab up');
  if (programs.pgMajor !== LAB_PG_MAJOR) throw new LabError(`The isolated lab runs PostgreSQL ${LAB_PG_MAJOR} only (Debian's); use the loopback lab for ${programs.pgMajor}.`);
  const iso = isolationOf(layout);
  if (existsSync(`/sys/class/net/${iso.bridge}`)) {
    throw new LabError(`A network interface ${iso.bridge} already exists and this lab folder does not know it. Another lab on ${iso.subnet}? Pick another --net or remove it (ip link del ${iso.bridge}).`);
  }
  const hosts = allHosts(layout);
  const wdAuthkey = randomBytes(18).toString('base64url');
  const pgInput = isolatedPgpoolInput(layout, programs, user, layout.pgpool, wdAuthkey);
  const pgpoolFilesOf = (h: LabPgpoolHost): Array<[string, string, number]> => {
    const hostInput = isolatedPgpoolInput(layout, programs, user, h, wdAuthkey);
    return [
      ['pgpool.conf', generatePgpoolConf(hostInput), 0o640],
      ['pcp.conf', generatePcpConf([{ user: 'pcpadmin', password: pw.pcpadmin }]), 0o600],
      ['pool_hba.conf', generatePoolHba([iso.subnet]), 0o640],
      // Scripts and pgpool_node_id both live in /etc/pgpool2 on the lab's hosts.
      ...generateScripts(hostInput).filter((s) => s.target === 'pgpool' || s.target === 'pgpoolConf').map((s): [string, string, number] => [s.name, s.content, s.mode]),
    ];
  };
  await prepareHostFiles(input, pgpoolFilesOf);
  step('files');
  await runNet(layout, networkUpCommands(layout, hosts));
  const hide = foldersToHide(layout);
  const anchors: Record<string, number> = {};
  const started = await Promise.all(hosts.map((h) => startAnchor(layout, h, user, hide)));
  hosts.forEach((h, i) => { anchors[h.name] = started[i]!; });
  writeAnchors(layout, anchors);
  step('namespaces');

  const sh = new HostShell(layout, user);
  await Promise.all(hosts.map((h) => sh.run(h, [programs.sshd, '-f', '/etc/ssh/sshd_config', '-E', '/var/log/sshd.log'], { asUser: false, what: 'starting sshd' })));
  const [primary, ...standbys] = layout.nodes;
  if (!primary) throw new LabError('The lab needs at least one node.');
  // The password file lives in the host's private /tmp only while initdb reads it.
  await sh.writeFile(primary, '/tmp/initdb-pw', `${pw.postgres}\n`, 0o600);
  try {
    await sh.run(primary, [join(programs.pgBin, 'initdb'), '-D', primary.dataDir, '-U', 'postgres', '--pwfile=/tmp/initdb-pw', '--auth-local=peer', '--auth-host=scram-sha-256',
      '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'], { what: 'initdb' });
  } finally {
    await sh.run(primary, ['rm', '-f', '/tmp/initdb-pw'], { what: 'removing the initdb password file' });
  }
  await sh.appendFile(primary, join(primary.dataDir, 'postgresql.conf'), sharedNodeSettings(programs.pgMajor));
  await sh.writeFile(primary, join(primary.dataDir, 'pg_hba.conf'), isolatedNodeHba(iso.subnet), 0o600);
  step('initdb');
  const startNode = (n: LabNode): Promise<string> =>
    sh.run(n, [join(programs.pgBin, 'pg_ctl'), '-D', n.dataDir, '-l', n.logFile, '-w', '-t', '60', 'start'], { what: 'starting PostgreSQL' });
  await startNode(primary);
  await createRolesAndExtensions(primary, pw, true);
  for (const f of generateScripts(pgInput).filter((s) => s.target === 'primaryData')) await sh.writeFile(primary, join(primary.dataDir, f.name), f.content, f.mode);
  step('primary');
  await Promise.all(standbys.map(async (s) => {
    await sh.run(s, [join(programs.pgClientBin, 'pg_basebackup'), '-h', primary.address, '-p', String(LAB_PG_PORT), '-U', 'replicator', '-D', s.dataDir,
      '-X', 'stream', '-c', 'fast', '-w', '--no-sync'], { what: 'pg_basebackup', timeoutMs: 120_000 });
    await sh.writeFile(s, join(s.dataDir, 'standby.signal'), '', 0o600);
    await sh.appendFile(s, join(s.dataDir, 'postgresql.auto.conf'), `primary_conninfo = '${isolatedPrimaryConninfo(primary, s)}'\n`);
    await startNode(s);
  }));
  step('standbys');
  await Promise.all(layout.pgpools.map(async (p) => {
    await sh.writeFile(p, '/tmp/pool_passwd.input', `postgres:${pw.postgres}\npgpool:${pw.pgpool}\nreplicator:${pw.replicator}\n`, 0o600);
    await sh.run(p, [programs.pgEnc, '-m', '-k', p.keyFile, '-f', join(p.confDir, 'pgpool.conf'), '-i', '/tmp/pool_passwd.input'], { what: 'pg_enc (pool_passwd)' });
    await sh.run(p, ['rm', '-f', '/tmp/pool_passwd.input'], { what: 'removing the pool_passwd input' });
    if (layout.watchdog) {
      // The VIP tools (ip with CAP_NET_ADMIN, gratuitous ARP) exist inside the watchdog lab's pgpool hosts only.
      await sh.run(p, ['sh', '-c', vipToolsScript(user.gid)], { asUser: false, what: 'installing the VIP tools' });
      // health_check_test reads this file every check and logs a warning when it is missing: an empty one says "all up".
      await sh.writeFile(p, join(p.workDir, 'backend_down_request'), '', 0o644);
    }
    await startLabPgpool(layout, user, programs, p);
  }));
  try {
    await Promise.all([...layout.pgpools.map((p) => waitForPgpool(layout, pw, layout.nodes.length, undefined, p.address)), waitForStreaming(primary, standbys, pw)]);
    if (layout.watchdog) await waitForVip(layout, pw);
  } catch (err) {
    const logs = layout.pgpools.map((p) => {
      try { return `${p.name}:\n${readFileSync(onMachine(p, p.logFile), 'utf8').trim().split('\n').slice(-8).join('\n')}`; } catch { return ''; }
    }).filter(Boolean).join('\n');
    throw new LabError(`${(err as Error).message}\npgpool log:\n${logs}`);
  }
  step('pgpool');
  await Promise.all(hosts.map(async (h) => {
    const out = await run(programs.ssh, ['-F', '/dev/null', '-T', '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${layout.clientKnownHosts}`,
      '-i', layout.clientKey, '-p', String(layout.sshPort), `${user.name}@${h.address}`, 'echo', 'ok'], { what: `ssh to ${h.name}`, timeoutMs: 10_000 });
    if (out.trim() !== 'ok') throw new LabError(`ssh to ${h.name} answered ${JSON.stringify(out)} instead of "ok".`);
  }));
  step('ssh');
}

/** Starts pgpool on a lab pgpool host as the postgres user; -D discards pgpool_status, the key is ~/.pgpoolkey as on a packaged install. */
export async function startLabPgpool(layout: LabLayout, user: ServiceUser, programs: LabPrograms, p: LabPgpoolHost): Promise<void> {
  const sh = new HostShell(layout, user);
  // A pgpool killed with -9 leaves its pid file; in the host's PID namespace that pid is soon another process's,
  // and pgpool then refuses to start ("is another pgpool running?"). No pgpool runs here, so the file is stale.
  if (pgpoolPidsOn(layout, p).length === 0) await sh.run(p, ['rm', '-f', join(p.runDir, 'pgpool.pid')], { what: 'removing a stale pgpool pid file' });
  sh.startDetached(p, [programs.pgpool, '-n', '-D', '-f', join(p.confDir, 'pgpool.conf'), '-F', join(p.confDir, 'pcp.conf'), '-a', join(p.confDir, 'pool_hba.conf')], p.logFile, true);
}

/**
 * Kills everything on every host (anchors included), then removes namespaces, veths and the bridge. What to remove
 * is found on the machine (leftovers.ts) as well as from the layout, so a down after a killed run (no or a partial
 * lab.json / anchors.json, a watchdog lab's hosts) is complete; a second down finds nothing and does nothing.
 */
export async function isolatedDown(layout: LabLayout, log: (msg: string) => void): Promise<string[]> {
  const iso = isolationOf(layout);
  const stopped: string[] = [];
  const view = readMachineView();
  const found = findLeftovers(iso.prefix, layout.dir, view);
  // Each process by the host whose network namespace it is in (named `<prefix>-<host>`, whatever the layout says).
  const hostOfNs = new Map(view.netns.map((n) => [n.id, n.name.slice(iso.prefix.length + 1)]));
  const hostOf = new Map<number, string>();
  for (const p of view.processes) {
    const name = hostOfNs.get(p.net);
    if (name !== undefined && found.pids.includes(p.pid)) hostOf.set(p.pid, name);
  }
  for (const h of allHosts(layout)) for (const pid of hostPids(layout, h)) hostOf.set(pid, h.name);
  // Anchors named in anchors.json whose namespaces are gone already (interrupted down) still hold their mounts.
  const anchors = Object.values(readAnchors(layout)).filter((pid) => processAlive(pid) && (processCommandLine(pid) ?? '').startsWith('sh'));
  const victims = [...new Set([...found.pids, ...hostOf.keys(), ...anchors])];
  const killed: number[] = [];
  for (const pid of victims) {
    try { process.kill(pid, 'SIGKILL'); killed.push(pid); } catch { /* gone */ }
  }
  // Counted as found: killing a host's PID 1 takes the rest of its PID namespace with it before their own signal.
  const perHost = new Map<string, number>();
  for (const pid of victims) perHost.set(hostOf.get(pid) ?? 'unnamed', (perHost.get(hostOf.get(pid) ?? 'unnamed') ?? 0) + 1);
  for (const [name, n] of [...perHost].sort(([a], [b]) => a.localeCompare(b))) stopped.push(name === 'unnamed' ? `${n} leftover processes of the lab` : `${name} (${n} processes)`);
  try {
    await waitFor('the lab hosts\' processes to exit', () => killed.every((p) => !processAlive(p) || emptyingPidNamespace(p)), 10_000);
  } catch {
    log(`Some processes did not exit: ${killed.filter((p) => processAlive(p)).join(', ')}`);
  }
  const known = networkDownCommands(layout, allHosts(layout));
  const extra: NetCommand[] = [
    ...found.netns.map((n) => ({ argv: ['ip', 'netns', 'del', n], mayFail: true })),
    ...found.links.map((l) => ({ argv: ['ip', 'link', 'del', l], mayFail: true })),
  ];
  const all = [...known, ...extra].filter((c, i, cs) => cs.findIndex((d) => d.argv.join(' ') === c.argv.join(' ')) === i);
  // Host links go before the bridge; a veth goes with its namespace, so most of these find nothing left.
  await runNet(layout, [...all.filter((c) => c.argv[3] !== iso.bridge), ...all.filter((c) => c.argv[3] === iso.bridge)]);
  for (const m of findLeftovers(iso.prefix, layout.dir, readMachineView()).mounts) {
    await runIn('root', ['umount', '-l', m], layout, `umount ${m}`, true);
  }
  const left = findLeftovers(iso.prefix, layout.dir, readMachineView());
  if (!nothingLeft(left)) log(`Left behind after lab down: ${describeLeftovers(left)}`);
  return stopped;
}

/** Applies a fault and records it (lab status lists it until lab heal); returns what was done, in words. */
export async function applyFault(layout: LabLayout, user: ServiceUser, fault: Fault): Promise<string> {
  return recordFault(layout, fault, await applyFaultOnly(layout, user, fault));
}

async function applyFaultOnly(layout: LabLayout, user: ServiceUser, fault: Fault): Promise<string> {
  const sh = new HostShell(layout, user);
  switch (fault.kind) {
    case 'partition': case 'isolate': case 'slow': {
      for (const c of networkFaultCommands(layout, fault)) await runIn(c.where, c.argv, layout, c.argv.join(' '), c.mayFail);
      if (fault.kind === 'partition') return `${fault.a} ${fault.oneway ? 'can no longer send to' : 'and'} ${fault.b}${fault.oneway ? '' : ' can no longer reach each other'}.`;
      if (fault.kind === 'slow') return `${fault.host}'s link is shaped to ${fault.rate} both ways.`;
      return `${fault.host} is cut off from every lab host and the workstation.`;
    }
    case 'freeze': case 'crash': {
      const host = resolveHost(layout, fault.host);
      const anchor = readAnchors(layout)[host.name];
      // The host itself stays: its PID 1 and the unshare that waits for it (a crash is a reboot's first half).
      const victims = (): number[] => hostPids(layout, host).filter((p) => p !== anchor && comm(p) !== 'unshare' && !isChildOf(p, anchor));
      const pids = victims();
      // Everything is stopped first, then listed again: a parent (pgpool's, a postmaster) forks a replacement child
      // between the listing and its own death, and that child would survive a single pass.
      for (let round = 0; round < 5; round++) {
        const now = victims();
        for (const p of now) try { process.kill(p, 'SIGSTOP'); } catch { /* gone */ }
        if (victims().every((p) => now.includes(p))) break;
      }
      const stopped = victims();
      if (fault.kind === 'crash') for (const p of stopped) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ }
      // A crashed machine's run-time addresses (the watchdog VIP) go with it; only its configured address stays.
      if (fault.kind === 'crash' && layout.watchdog && isPgpoolHost(layout, host)) {
        const prefix = isolationOf(layout).subnet.split('/')[1] ?? '24';
        await runIn({ netns: netnsName(isolationOf(layout), host) }, ['ip', 'addr', 'del', `${layout.watchdog.vip}/${prefix}`, 'dev', 'eth0'], layout, 'removing the VIP', true);
      }
      return `${fault.kind === 'freeze' ? 'Stopped (SIGSTOP)' : 'Killed (SIGKILL)'} ${pids.length} processes on ${host.name}.`;
    }
    case 'disk-full': {
      const host = resolveHost(layout, fault.host);
      if (isPgpoolHost(layout, host)) throw new FaultError('disk-full fills a node\'s /var/lib/postgresql (where pg_wal lives); name a node.');
      for (let i = 0; ; i++) {
        const used = parseDfUsed(await sh.run(host, diskUsageArgv(), { asUser: false, what: 'df' }));
        try {
          await sh.run(host, diskFullArgv(used), { asUser: false, what: 'shrinking /var/lib/postgresql' });
          return `${host.name}'s /var/lib/postgresql (pg_wal's filesystem) is full: ${used} KiB of ${used} KiB used.`;
        } catch (err) {
          if (i >= 4) throw err; // it grew between df and the remount: measure again
        }
      }
    }
  }
}

/** Undoes every fault: network entries and shaping, thaws frozen processes, frees disks, restarts a crashed host's sshd. */
export async function healLab(layout: LabLayout, user: ServiceUser, programs: LabPrograms): Promise<string[]> {
  const done: string[] = [];
  for (const c of healNetworkCommands(layout)) await runIn(c.where, c.argv, layout, c.argv.join(' '), true);
  done.push('network faults removed');
  const sh = new HostShell(layout, user);
  for (const h of allHosts(layout)) {
    const pids = hostPids(layout, h);
    for (const p of pids) try { process.kill(p, 'SIGCONT'); } catch { /* gone */ }
    if (!isPgpoolHost(layout, h)) await sh.run(h, diskFreeArgv(), { asUser: false, what: 'freeing /var/lib/postgresql' });
    if (!pids.some((p) => comm(p) === 'sshd')) {
      // A crashed host comes back as a rebooted machine would with only sshd enabled: servers are the operator's to start.
      await sh.run(h, ['rm', '-f', '/run/sshd.pid'], { asUser: false, what: 'sshd pid file' });
      await sh.run(h, [programs.sshd, '-f', '/etc/ssh/sshd_config', '-E', '/var/log/sshd.log'], { asUser: false, what: 'starting sshd' });
      done.push(`sshd restarted on ${h.name}`);
    }
  }
  done.push('processes thawed', 'disks freed');
  rmSync(join(layout.dir, FAULTS), { force: true });
  return done;
}

