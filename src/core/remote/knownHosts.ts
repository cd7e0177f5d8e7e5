/** known_hosts parsing and host-key decisions (plain and hashed `|1|` entries, `[host]:port` names). */
import { createHash, createHmac, randomBytes } from 'node:crypto';

export interface KnownHostEntry {
  readonly marker?: '@cert-authority' | '@revoked';
  readonly patterns: string;
  readonly keyType: string;
  /** Base64 of the key blob. */
  readonly key: string;
  readonly line: number;
}

export type HostKeyCheck =
  | { readonly result: 'match'; readonly entry: KnownHostEntry }
  | { readonly result: 'unknown'; readonly otherKeyTypes: readonly string[] }
  | { readonly result: 'changed'; readonly entry: KnownHostEntry }
  | { readonly result: 'revoked'; readonly entry: KnownHostEntry };

/** The name known_hosts uses: `host` on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function parseKnownHosts(text: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0] === '@cert-authority' || fields[0] === '@revoked') marker = fields.shift() as KnownHostEntry['marker'];
    const [patterns, keyType, key] = fields;
    if (!patterns || !keyType || !key) return;
    out.push({ ...(marker ? { marker } : {}), patterns, keyType, key, line: i + 1 });
  });
  return out;
}

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i');
}

function hashedMatches(pattern: string, name: string): boolean {
  const parts = pattern.split('|'); // ['', '1', salt, hash]
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2] ?? '', 'base64');
  const digest = createHmac('sha1', salt).update(name).digest('base64');
  return digest === parts[3];
}

/** True when the entry's host patterns name this host (negations `!pat` veto). */
export function entryMatchesHost(entry: KnownHostEntry, host: string, port: number): boolean {
  const name = knownHostsName(host, port);
  let matched = false;
  for (const raw of entry.patterns.split(',')) {
    const negated = raw.startsWith('!');
    const pat = negated ? raw.slice(1) : raw;
    const hit = pat.startsWith('|') ? hashedMatches(pat, name) : globToRegExp(pat).test(name);
    if (hit && negated) return false;
    if (hit) matched = true;
  }
  return matched;
}

/** The key type written inside an SSH public key blob (its first string). */
export function keyTypeOfBlob(blob: Buffer): string {
  if (blob.length < 4) return 'unknown';
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** `SHA256:...` as OpenSSH prints it (base64 without padding). */
export function sha256Fingerprint(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

export function checkHostKey(entries: readonly KnownHostEntry[], host: string, port: number, blob: Buffer): HostKeyCheck {
  const type = keyTypeOfBlob(blob);
  const b64 = blob.toString('base64');
  const mine = entries.filter((e) => e.marker !== '@cert-authority' && entryMatchesHost(e, host, port));
  const revoked = mine.find((e) => e.marker === '@revoked' && e.key === b64);
  if (revoked) return { result: 'revoked', entry: revoked };
  const plain = mine.filter((e) => e.marker === undefined);
  const match = plain.find((e) => e.key === b64);
  if (match) return { result: 'match', entry: match };
  const sameType = plain.find((e) => e.keyType === type);
  if (sameType) return { result: 'changed', entry: sameType };
  return { result: 'unknown', otherKeyTypes: [...new Set(plain.map((e) => e.keyType))] };
}

/** Key types already known for a host, to prefer them when negotiating (as OpenSSH does). */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  return [...new Set(entries.filter((e) => e.marker === undefined && entryMatchesHost(e, host, port)).map((e) => e.keyType))];
}

export function knownHostsLine(host: string, port: number, blob: Buffer): string {
  return `${knownHostsName(host, port)} ${keyTypeOfBlob(blob)} ${blob.toString('base64')}`;
}

/** OpenSSH's hashed host name (HashKnownHosts): `|1|base64(salt)|base64(HMAC-SHA1(salt, name))`, salt 20 bytes. */
export function hashedHostName(name: string, salt: Buffer = randomBytes(20)): string {
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

/** True when the file hashes its host names (any `|1|` entry): a line added to it is hashed too, as ssh does. */
export function usesHashedNames(entries: readonly KnownHostEntry[]): boolean {
  return entries.some((e) => e.patterns.startsWith('|1|'));
}

/** The line to save: hashed when the file already hashes its names, plain otherwise. */
export function knownHostsLineFor(entries: readonly KnownHostEntry[], host: string, port: number, blob: Buffer): string {
  const name = knownHostsName(host, port);
  return `${usesHashedNames(entries) ? hashedHostName(name) : name} ${keyTypeOfBlob(blob)} ${blob.toString('base64')}`;
}

/** The loud message for a changed key, worded after OpenSSH's so people recognise it. */
export function changedKeyMessage(host: string, port: number, blob: Buffer, entry: KnownHostEntry, file: string): string {
  return [
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    '@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @',
    '@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@',
    `The ${keyTypeOfBlob(blob)} host key of ${knownHostsName(host, port)} is now ${sha256Fingerprint(blob)},`,
    `which differs from the key in ${file}:${entry.line}. Someone could be eavesdropping on you right now`,
    '(man-in-the-middle attack), or the host was reinstalled. Connection refused. If you know why the key changed,',
    `remove the old key (ssh-keygen -R '${knownHostsName(host, port)}' -f ${file}) and connect again.`,
  ].join('\n');
}
