/**
 * The validator's verdict "this server would refuse the file", and the mapping behind it.
 * A file is refused when it has a diagnostic of severity error, except the codes below: they are errors on
 * purpose (the cluster is wrong) although the server itself starts with them.
 */
import { lintDocument, type Diagnostic } from '../../src/core/conf';

export type Program = 'postgresql-11' | 'postgresql-15' | 'postgresql-17' | 'pgpool-4.3';

/** Error-level diagnostics that do not claim a refusal: pgpool starts, the mistake shows later. */
export const ADVISORY_ERROR_CODES: ReadonlySet<string> = new Set([
  'pgpool/cleartext-password', // a secret in the file: a security error, pgpool starts
  'pgpool/duplicate-backend', // one server listed twice: load balancing and failover go wrong, pgpool starts
]);

export interface ValidatorVerdict {
  refuses: boolean;
  /** The diagnostics that make the verdict (fatal ones), or all errors/warnings when none is fatal. */
  fatal: Diagnostic[];
  all: Diagnostic[];
}

const DIRECTIVE = /^#\s*pgpool-cluster:.*$/gm;

export function versionOf(program: Program): { languageId: 'postgresql-conf' | 'pgpool-conf'; pgpoolVersion?: string; postgresVersion?: string } {
  if (program === 'pgpool-4.3') return { languageId: 'pgpool-conf', pgpoolVersion: '4.3' };
  return { languageId: 'postgresql-conf', postgresVersion: program.slice('postgresql-'.length) };
}

/** Lints the file for exactly the program's version (a version directive in the file is neutralised). */
export function validatorVerdict(text: string, program: Program): ValidatorVerdict {
  const all = lintDocument(text.replace(DIRECTIVE, '#'), versionOf(program));
  const fatal = all.filter((d) => d.severity === 'error' && !ADVISORY_ERROR_CODES.has(d.code));
  return { refuses: fatal.length > 0, fatal, all };
}
