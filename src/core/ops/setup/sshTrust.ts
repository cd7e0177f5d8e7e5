/**
 * "Set up SSH trust" as a Plan: for every hop pgpool's scripts need (pgpool host -> each node, node <-> node),
 * as the PostgreSQL OS user: create the source's key pair where missing, append its public key to the
 * target's authorized_keys when absent, put the target's host key into the source's known_hosts after checking
 * that what the source scans is the key our own verified SSH connection to the target saw, then prove the hop
 * with BatchMode. Minimum access: only nodes are targets, so the pgpool host's authorized_keys never gets node
 * keys. Every change step is skipped when the hop already works, so a re-run changes nothing.
 */
import type { ClusterDefinition } from '../../inventory/model';
import { describeHostPassFile, hostPassFile } from '../../inventory/hostPath';
import { keyTypeOfBlob } from '../../remote/knownHosts';
import type { OpsEnvironment } from '../engine/environment';
import { hostToHost, neededHops, type ClusterHost, type Hop } from './hostToHost';
import { resolveVersions, type OpsInput } from '../engine/input';
import { putPassEntry } from '../engine/pgCommands';
import { refuse, type Check, type PlanResult, type PlanStep } from '../engine/plan';
import {
  authorizeArgv, keyPairExistsArgv, keygenArgv, knownHostArgv, proveHopArgv, readPublicKeyArgv, scanType, type TrustedKey,
} from './sshTrustScripts';

export interface SshTrustFacts {
  /** Per target node name: the host key our own verified connection saw, or why it could not be learnt. */
  readonly hostKeys: ReadonlyMap<string, TrustedKey | { readonly error: string }>;
}

const msg = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/** Connects to every node (read-only) to learn the host key each presented to our verified connection. */
export async function probeSshTrustFacts(cluster: ClusterDefinition, env: OpsEnvironment, signal?: AbortSignal): Promise<SshTrustFacts> {
  const targets = [...new Set(neededHops(cluster).map((h) => h.to))];
  const entries = await Promise.all(targets.map(async (t): Promise<[string, TrustedKey | { error: string }]> => {
    if (!env.trustedHostKey) return [t.name, { error: 'this environment cannot report host keys' }];
    try {
      const blob = await env.trustedHostKey(t.name, signal);
      return [t.name, blob ? { type: keyTypeOfBlob(blob), key: blob.toString('base64') } : { error: 'no host key was recorded for our connection' }];
    } catch (err) {
      return [t.name, { error: msg(err) }];
    }
  }));
  return { hostKeys: new Map(entries) };
}

export const publicKeyFact = (host: string): string => `public key of ${host}`;

/** The user our steps run as on a host (sudo user, else login user), when the cluster file says. */
function runsAs(cluster: ClusterDefinition, h: ClusterHost): string | undefined {
  return h.ssh.sudoUser ?? cluster.ssh.sudoUser ?? h.ssh.user ?? cluster.ssh.user;
}

function hopWorks(cluster: ClusterDefinition, hop: Hop): Check {
  return {
    kind: 'ssh-exit', host: hop.from.name, argv: proveHopArgv(hostToHost(cluster, hop.from), hop.to, hostToHost(cluster, hop.to)),
    exitCodes: [0], describe: `${hop.from.name} already reaches ${hop.to.name} non-interactively`,
  };
}

function sourceSteps(cluster: ClusterDefinition, source: ClusterHost): PlanStep[] {
  const h = hostToHost(cluster, source);
  const exists: Check = { kind: 'ssh-exit', host: source.name, argv: keyPairExistsArgv(h.identityFile), exitCodes: [0], describe: `${source.name} has the key pair ${h.identityFile}(.pub)` };
  return [{
    id: `keygen-${source.name}`, title: `Create the SSH key pair ${h.identityFile} on ${source.name} (ed25519, no passphrase) where missing`,
    why: `pgpool's scripts on ${source.name} log in to other hosts with this key, non-interactively.`, destructive: false,
    action: { kind: 'ssh', host: source.name, argv: keygenArgv(h.identityFile), timeoutMs: 30_000 },
    skipIf: exists, check: { ...exists, describe: `${source.name} now has the key pair ${h.identityFile}(.pub)` },
    onFailure: `Nothing was authorized yet. Check that ${h.user} can write ${h.identityFile} on ${source.name} and that ssh-keygen is installed, then re-run.`,
  }, {
    id: `pubkey-${source.name}`, title: `Read ${source.name}'s public key ${h.identityFile}.pub`,
    why: 'It is appended to the authorized_keys of the hosts this host must reach.', destructive: false,
    action: { kind: 'ssh', host: source.name, argv: readPublicKeyArgv(h.identityFile), timeoutMs: 15_000 },
    capture: { fact: publicKeyFact(source.name), from: 'first-column' },
    onFailure: `Key pairs exist, nothing was authorized yet. Check ${h.identityFile}.pub on ${source.name}.`,
  }];
}

function hopSteps(cluster: ClusterDefinition, hop: Hop, key: TrustedKey): PlanStep[] {
  const from = hostToHost(cluster, hop.from);
  const to = hostToHost(cluster, hop.to);
  const skipIf = hopWorks(cluster, hop);
  const id = `${hop.from.name}-${hop.to.name}`;
  const state = 'Hops before this one are set up; nothing of this hop beyond the steps shown as done changed.';
  return [{
    id: `authorize-${id}`, title: `Authorize ${hop.from.name}'s key for ${to.user} on ${hop.to.name} (${to.authorizedKeysFile}), if absent`,
    why: hop.why, destructive: false,
    action: { kind: 'ssh', host: hop.to.name, argv: authorizeArgv(to.authorizedKeysFile), stdinFact: publicKeyFact(hop.from.name), timeoutMs: 15_000 },
    skipIf, onFailure: `${state} Check that ${to.authorizedKeysFile} on ${hop.to.name} is writable by ${to.user}, then re-run.`,
  }, {
    id: `known-host-${id}`, title: `Add ${hop.to.name}'s ${key.type} host key to ${from.knownHostsFile} on ${hop.from.name} (ssh-keyscan there, compared with the key we verified), if absent`,
    why: `ssh with StrictHostKeyChecking=yes on ${hop.from.name} refuses a host it does not know; scanning from ${hop.from.name} and comparing with our own verified connection's key catches a man-in-the-middle between them.`,
    destructive: false,
    action: { kind: 'ssh', host: hop.from.name, argv: knownHostArgv(from, hop.to, to, key), timeoutMs: 30_000 },
    skipIf, onFailure: `${state} A refusal about a different key means ${hop.to.name} looks different from ${hop.from.name} than from here: find out why before trusting it.`,
  }, {
    id: `prove-${id}`, title: `Prove ${hop.from.name} -> ${hop.to.name}: ssh ${to.user}@${hop.to.host} true (BatchMode, strict host key)`,
    why: 'The scripts run unattended: the hop must work without any prompt.', destructive: false,
    action: { kind: 'ssh', host: hop.from.name, argv: proveHopArgv(from, hop.to, to), timeoutMs: 20_000 },
    onFailure: `${state} The hop still fails: check sshd on ${hop.to.name} (port ${to.port}, AuthorizedKeysFile, StrictModes) and "pgpool-cluster check".`,
  }];
}

export function buildSshTrustPlan(input: OpsInput, facts: SshTrustFacts): PlanResult {
  const { cluster } = input;
  const hops = neededHops(cluster);
  if (hops.length === 0) return refuse(`Cluster ${cluster.name} has no hop to set up (it needs a pgpool instance or at least two nodes).`);
  const warnings: string[] = [];
  const keys = new Map<string, TrustedKey>();
  for (const t of new Set(hops.map((h) => h.to))) {
    const k = facts.hostKeys.get(t.name);
    if (!k || 'error' in k) return refuse(`Cannot learn ${t.name}'s host key from our own verified SSH connection (${k ? k.error : 'not probed'}); fix this machine's SSH access to ${t.name} first.`);
    if (!scanType(k.type)) return refuse(`${t.name} presented a ${k.type} host key, which ssh-keyscan cannot ask for; add an ed25519 key to known_hosts here.`);
    keys.set(t.name, k);
    const conn = { ...cluster.ssh, ...t.ssh };
    if (conn.port !== undefined && conn.port !== hostToHost(cluster, t).port) {
      warnings.push(`${t.name}: our connection uses port ${conn.port}, the hosts use ${hostToHost(cluster, t).port}; the scanned key is compared with the key our connection saw.`);
    }
  }
  const sources = [...new Set(hops.map((h) => h.from))];
  for (const h of new Set([...sources, ...hops.map((hop) => hop.to)])) {
    const as = runsAs(cluster, h);
    const user = hostToHost(cluster, h).user;
    if (as !== undefined && as !== user) warnings.push(`${h.name}: the steps run as ${as} but the hops log in as ${user}; keys and known_hosts go to ${as}'s files.`);
  }
  const steps: PlanStep[] = [...sources.flatMap((s) => sourceSteps(cluster, s)), ...hops.flatMap((hop) => hopSteps(cluster, hop, keys.get(hop.to.name) as TrustedKey))];
  return {
    ok: true,
    plan: {
      operation: 'setup-ssh-trust', cluster: cluster.name, node: 'all hosts', destructive: false,
      summary: `Set up and prove ${hops.length} SSH hop(s) pgpool's scripts need (${cluster.pgpool.map((p) => p.name).join(', ') || 'no pgpool'} -> every node; node <-> node). `
        + 'Steps of a hop that already works are skipped; the pgpool host gets no node keys.',
      steps, warnings: [...new Set(warnings)], verify: [], versions: resolveVersions(cluster, input.status),
    },
  };
}

/**
 * With the pcp password (SecretStorage or a prompt), the pgpool host's own .pcppass gets `*:<pcp port>:<pcp user>`
 * (follow_primary's pcp_attach_node reads it there): written on that host from the secret, never copied from here.
 */
export function withPcpPassEntry(built: PlanResult, cluster: ClusterDefinition, pcpPassword: string | undefined): PlanResult {
  const inst = cluster.pgpool[0];
  if (!built.ok || pcpPassword === undefined || pcpPassword === '' || !inst) return built;
  const user = inst.pcpUser ?? 'pgpool';
  const file = hostPassFile(inst.pcpPassFile, '.pcppass');
  const put = putPassEntry(file, '.pcppass', ['*', String(inst.pcpPort), user], pcpPassword);
  const where = describeHostPassFile(file, '.pcppass', undefined, inst.name);
  const step: PlanStep = {
    id: `pcppass-${inst.name}`, title: `Store ${user}'s pcp password in ${where}`, destructive: false,
    why: 'pgpool\'s follow_primary script attaches nodes with pcp on the pgpool host and reads the password there; the line *:' + `${inst.pcpPort}:${user} goes first, older lines for it are dropped, the file is replaced atomically with mode 0600.`,
    action: { kind: 'ssh', host: inst.name, argv: put.argv, stdinSecret: put.stdin, timeoutMs: 20_000 },
    onFailure: `The SSH hops are set up; ${where} was not written. Add "*:${inst.pcpPort}:${user}:<password>" there yourself (mode 0600).`,
  };
  return { ok: true, plan: { ...built.plan, steps: [...built.plan.steps, step] } };
}

/** Probes host keys (read-only), then builds the plan. */
export async function prepareSshTrustPlan(input: OpsInput, env: OpsEnvironment, signal?: AbortSignal): Promise<PlanResult> {
  try {
    return buildSshTrustPlan(input, await probeSshTrustFacts(input.cluster, env, signal));
  } catch (err) {
    return refuse(msg(err));
  }
}
