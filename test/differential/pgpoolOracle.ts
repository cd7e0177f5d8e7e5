/**
 * Asks the real pgpool-II 4.3 whether it accepts a pgpool.conf: a start attempt (`pgpool -n -f`) with
 * overrides appended so that it cannot collide with anything (loopback 127.0.4.x, scratch ports, sockets, pid
 * file, small shared memory), in the fixed environment of environment.ts. Exiting before "successfully started" is a refusal; reaching it is acceptance,
 * and the process group is stopped at once. pgpool checks each line when it reads it, so a bad value earlier in
 * the file is still refused although an override repeats its name later.
 */
import { spawn } from 'node:child_process';
import { chownSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ServiceUser } from '../../src/core/lab/serviceUser';
import { oracleEnv } from './environment';
import type { ProgramAnswer } from './postgresOracle';
import { scratchDir } from './scratch';

export const PGPOOL_BIN = '/usr/sbin/pgpool';
/** The config is read, checked and post-processed before pgpool opens its listening socket. */
const STARTED = /Setting up socket for|pgpool-II successfully started/;

function overrides(text: string, dir: string, slot: number): string {
  const ip = `127.0.4.${slot + 1}`;
  // Backends stay on loopback: every backend host the file names is pointed at an unused loopback address.
  const backends = [...new Set([...text.matchAll(/^\s*backend_hostname(\d+)\b/gm)].map((m) => m[1]))].map((n) => `backend_hostname${n ?? ''} = '127.0.4.250'`);
  return [...backends,
    '', '# --- differential probe overrides ---',
    `listen_addresses = '${ip}'`, `port = ${19100 + slot}`,
    `pcp_listen_addresses = '${ip}'`, `pcp_port = ${19200 + slot}`,
    `socket_dir = '${dir}'`, `pcp_socket_dir = '${dir}'`, `wd_ipc_socket_dir = '${dir}'`,
    `pid_file_name = '${dir}/pgpool.pid'`, `logdir = '${dir}'`,
    'use_watchdog = off', 'enable_pool_hba = off', 'num_init_children = 1', 'max_pool = 1',
    'memqcache_total_size = 4194304', 'memqcache_max_num_cache = 1000', 'memqcache_cache_block_size = 1048576', 'memqcache_maxcache = 409600',
    'log_destination = stderr', 'logging_collector = off', '',
  ].join('\n');
}

export class PgpoolOracle {
  constructor(private readonly user: ServiceUser) {
    if (!existsSync(PGPOOL_BIN)) throw new Error('pgpool-II is not installed (apt-get install pgpool2)');
  }

  ask(text: string, slot: number): Promise<ProgramAnswer> {
    const dir = scratchDir(this.user, 'pgpool', `slot${slot}`);
    const conf = path.join(dir, 'pgpool.conf');
    const pcp = path.join(dir, 'pcp.conf');
    writeFileSync(conf, `${text}\n${overrides(text, dir, slot)}`);
    writeFileSync(pcp, 'probe:e8a48653851e28c69d0506508fb27fc5\n');
    for (const f of ['pgpool.pid', 'pgpool_status']) rmSync(path.join(dir, f), { force: true });
    if (this.user.switched) for (const f of [conf, pcp]) chownSync(f, this.user.uid, this.user.gid);
    const started = Date.now();
    return new Promise((resolve) => {
      const child = spawn(PGPOOL_BIN, ['-n', '-f', conf, '-F', pcp, '-a', path.join(dir, 'pool_hba.conf')], {
        cwd: dir, env: oracleEnv(this.user), detached: true, stdio: ['ignore', 'pipe', 'pipe'],
        ...(this.user.switched ? { uid: this.user.uid, gid: this.user.gid } : {}),
      });
      let out = '';
      let accepted = false;
      const stop = (): void => {
        if (child.pid === undefined || child.exitCode !== null) return;
        try { process.kill(-child.pid, 'SIGTERM'); } catch { /* already gone */ }
        const pid = child.pid;
        setTimeout(() => { try { process.kill(-pid, 'SIGKILL'); } catch { /* gone */ } }, 3000).unref();
      };
      const onData = (d: Buffer): void => {
        out += d.toString();
        if (!accepted && STARTED.test(out)) { accepted = true; stop(); }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      const timer = setTimeout(stop, 10_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        const lines = out.split('\n').filter((l) => /(FATAL|ERROR|PANIC):/.test(l)).map((l) => l.replace(/^.*?(FATAL|ERROR|PANIC):\s+/, '$1: '));
        const refuses = !accepted;
        resolve({ refuses, message: refuses ? (lines.join(' | ') || `exit ${code ?? 'signal'} before start`) : '', ms: Date.now() - started });
      });
    });
  }
}
