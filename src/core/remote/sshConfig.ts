/** Resolves where and how to SSH to a host: cluster settings first, then ~/.ssh/config, then defaults. */
import * as os from 'node:os';
import * as path from 'node:path';
import SSHConfig from 'ssh-config';
import type { SshSettings } from '../inventory/model';

export interface SshTarget {
  /** The name as written in the cluster file (the ssh_config `Host` alias). */
  readonly alias: string;
  /** Address actually dialled (ssh_config HostName). */
  readonly hostName: string;
  readonly port: number;
  readonly user: string;
  /** Candidate identity files in order; missing ones are skipped at connect time. */
  readonly identityFiles: readonly string[];
  readonly knownHostsFiles: readonly string[];
  /** Hops to go through, first one dialled directly. */
  readonly jumps: readonly SshTarget[];
  readonly sudoUser?: string;
}

export interface ResolveOptions {
  /** Text of ~/.ssh/config; undefined when there is none. */
  readonly sshConfigText?: string;
  readonly homeDir?: string;
  readonly localUser?: string;
}

const DEFAULT_IDENTITIES = ['id_ed25519', 'id_ecdsa', 'id_rsa'];

export function targetLabel(t: Pick<SshTarget, 'user' | 'hostName' | 'port'>): string {
  return `${t.user}@${t.hostName}:${t.port}`;
}

/** Connection-pool key: one connection per (jumps, host, port, user). */
export function targetKey(t: SshTarget): string {
  return [...t.jumps.map(targetLabel), targetLabel(t)].join('>');
}

export function resolveSshTarget(host: string, settings: SshSettings, options: ResolveOptions = {}): SshTarget {
  const home = options.homeDir ?? os.homedir();
  const localUser = options.localUser ?? safeUserName();
  const config = options.sshConfigText !== undefined ? SSHConfig.parse(options.sshConfigText) : undefined;
  return resolve(host, settings, config, home, localUser, 0);
}

function resolve(alias: string, settings: SshSettings, config: SSHConfig | undefined, home: string, localUser: string, depth: number): SshTarget {
  if (depth > 8) throw new Error(`ProxyJump chain for ${alias} is longer than 8 hops (a loop?).`);
  // matchExec false: a config file must never make us run commands.
  const computed = config ? config.compute({ Host: alias, ...(settings.user ? { User: settings.user } : {}) }, { ignoreCase: true, matchExec: false }) : {};
  const first = (k: string): string | undefined => {
    const v = computed[k.toLowerCase()];
    return Array.isArray(v) ? v[0] : v;
  };
  const all = (k: string): string[] => {
    const v = computed[k.toLowerCase()];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  };
  const hostName = expandTokens(first('HostName') ?? alias, { h: alias, u: localUser, d: home });
  const portText = first('Port');
  const port = settings.port ?? (portText && /^\d+$/.test(portText) ? Number(portText) : 22);
  const user = settings.user ?? first('User') ?? localUser;
  const tokens = { h: hostName, u: localUser, r: user, d: home, p: String(port) };
  const expand = (p: string): string => expandHome(expandTokens(p, tokens), home);
  const configured = all('IdentityFile').map(expand);
  const identityFiles = settings.identityFile
    ? [expandHome(settings.identityFile, home)]
    : configured.length > 0 ? configured : DEFAULT_IDENTITIES.map((n) => path.join(home, '.ssh', n));
  const knownHostsFiles = settings.knownHostsFile
    ? [expandHome(settings.knownHostsFile, home)]
    : all('UserKnownHostsFile').flatMap((v) => v.split(/\s+/)).filter(Boolean).map(expand).concat(
      all('UserKnownHostsFile').length === 0 ? [path.join(home, '.ssh', 'known_hosts')] : []);
  const jumpSpec = settings.proxyJump ?? first('ProxyJump');
  const jumps = jumpSpec && jumpSpec.toLowerCase() !== 'none'
    ? jumpSpec.split(',').map((hop) => {
      const j = parseJump(hop.trim());
      const inner = resolve(j.host, { ...(j.user ? { user: j.user } : {}), ...(j.port ? { port: j.port } : {}) }, config, home, localUser, depth + 1);
      return inner;
    }).flatMap((t) => [...t.jumps, { ...t, jumps: [] }])
    : [];
  return {
    alias, hostName, port, user, identityFiles, knownHostsFiles, jumps,
    ...(settings.sudoUser ? { sudoUser: settings.sudoUser } : {}),
  };
}

/** `[user@]host[:port]`, with `[v6addr]:port` too. */
export function parseJump(spec: string): { user?: string; host: string; port?: number } {
  const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(spec);
  if (!m) throw new Error(`ProxyJump "${spec}" is not [user@]host[:port].`);
  return { ...(m[1] ? { user: m[1] } : {}), host: m[2]!.replace(/^\[|\]$/g, ''), ...(m[3] ? { port: Number(m[3]) } : {}) };
}

function expandHome(p: string, home: string): string {
  return p === '~' ? home : p.startsWith('~/') ? path.join(home, p.slice(2)) : p;
}

function expandTokens(s: string, tokens: Record<string, string>): string {
  return s.replace(/%([%a-zA-Z])/g, (whole, t: string) => (t === '%' ? '%' : tokens[t] ?? whole));
}

function safeUserName(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}
