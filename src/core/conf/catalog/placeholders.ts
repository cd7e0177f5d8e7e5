/** `%x` placeholders of failover_command, failback_command and follow_primary_command (trigger_failover_command). */
import { compareRelease } from './pgpool';

export interface Placeholder {
  code: string;
  /** What it expands to; for follow_primary_command "new main" is the new primary. */
  meaning: string;
  since: string;
}

export const FAILOVER_PLACEHOLDERS: readonly Placeholder[] = [
  { code: '%d', meaning: 'node id of the failed (or attached) node', since: '3.0' },
  { code: '%h', meaning: 'host name of the failed node', since: '3.0' },
  { code: '%p', meaning: 'port of the failed node', since: '3.0' },
  { code: '%D', meaning: 'data directory of the failed node', since: '3.0' },
  { code: '%m', meaning: 'node id of the new main node (new primary for follow_primary_command)', since: '3.0' },
  { code: '%H', meaning: 'host name of the new main node ("" when there is none)', since: '3.0' },
  { code: '%M', meaning: 'node id of the old main node', since: '3.0' },
  { code: '%P', meaning: 'node id of the old primary', since: '3.1' },
  { code: '%r', meaning: 'port of the new main node ("" when there is none)', since: '3.2' },
  { code: '%R', meaning: 'data directory of the new main node ("" when there is none)', since: '3.2' },
  { code: '%N', meaning: 'host name of the old primary ("" when there is none)', since: '4.1' },
  { code: '%S', meaning: 'port of the old primary ("" when there is none)', since: '4.1' },
  { code: '%%', meaning: 'a literal %', since: '3.0' },
];

export const TRUSTED_SERVER_PLACEHOLDERS: readonly Placeholder[] = [
  { code: '%h', meaning: 'the trusted server being checked', since: '4.4' },
  { code: '%%', meaning: 'a literal %', since: '4.4' },
];

export const FAILOVER_COMMANDS = ['failover_command', 'failback_command', 'follow_primary_command', 'follow_master_command'];

export function placeholdersFor(param: string): readonly Placeholder[] | undefined {
  if (FAILOVER_COMMANDS.includes(param)) return FAILOVER_PLACEHOLDERS;
  if (param === 'trusted_server_command') return TRUSTED_SERVER_PLACEHOLDERS;
  return undefined;
}

export function placeholderAvailable(p: Placeholder, release: string): boolean {
  // Releases before the catalogue's first (3.6) had everything up to %R.
  return !(p.since === '4.1' && compareRelease(release, '4.1') < 0);
}
