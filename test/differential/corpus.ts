/**
 * The corpus: the conf fixtures, pgpool's own samples, and seeded mutations of realistic bases (initdb's
 * postgresql.conf of each major, pgpool's sample-stream files) for each program family.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PG_GENERATED_GUCS } from '../../src/core/conf/catalog/postgresGucs.generated';
import { pgpoolCatalog, resolvePgpoolName } from '../../src/core/conf/catalog/pgpool';
import { PG_REMOVED } from '../../src/core/conf/catalog/postgres';
import { PGPOOL_RENAMES } from '../../src/core/conf/catalog/pgpoolHistory';
import { mutate, MUTATION_KINDS, type ParamFact } from './mutate';
import { Random } from './random';

export type Family = 'postgresql' | 'pgpool';

export interface CorpusFile { id: string; family: Family; text: string; origin: string; mutation?: string }

export const repoRoot = path.resolve(__dirname, __dirname.includes(`${path.sep}out${path.sep}`) ? '../../..' : '../..');
const fixturesDir = path.join(repoRoot, 'test', 'fixtures', 'conf');

export function fixtureFiles(): CorpusFile[] {
  const out: CorpusFile[] = [];
  for (const dir of readdirSync(fixturesDir)) {
    for (const f of readdirSync(path.join(fixturesDir, dir))) {
      const rel = `${dir}/${f}`;
      const family: Family | undefined = /pgpool\.conf/.test(f) ? 'pgpool' : /postgresql\.conf$/.test(f) ? 'postgresql' : undefined;
      if (family) out.push({ id: `fixture:${rel}`, family, text: readFileSync(path.join(fixturesDir, rel), 'utf8'), origin: rel });
    }
  }
  return out;
}

function pgFacts(major: number): (name: string) => ParamFact | undefined {
  return (name) => {
    const key = name.toLowerCase();
    if (['config_file', 'data_directory', 'hba_file', 'ident_file', 'external_pid_file', 'include', 'include_dir', 'include_if_exists'].includes(key)) return undefined;
    const span = (PG_GENERATED_GUCS[key] ?? []).find(([versions]) => versions.includes(major));
    if (!span) return undefined;
    const [type, context, min, max, unit, enumValues] = span[1];
    if (context === 'internal') return undefined;
    const fact: ParamFact = { name: key, type: type as ParamFact['type'], enumValues };
    if (min !== null) fact.min = min;
    if (max !== null) fact.max = max;
    if (unit) fact.unit = unit;
    return fact;
  };
}

function pgpoolFacts(name: string): ParamFact | undefined {
  if (/^(listen_addresses|port|pcp_listen_addresses|pcp_port|socket_dir|pcp_socket_dir|wd_ipc_socket_dir|pid_file_name|logdir|use_watchdog|enable_pool_hba|num_init_children|max_pool|memqcache_\w+|log_destination|logging_collector)$/.test(name)) {
    // The probe overrides these; mutate them only through earlier lines, which pgpool still checks.
    if (!/^(port|pcp_port|num_init_children|max_pool|memqcache_expire)$/.test(name)) return undefined;
  }
  const r = resolvePgpoolName(pgpoolCatalog('4.3'), name);
  if (!r) return undefined;
  const s = r.spec;
  const fact: ParamFact = { name, type: s.type, indexed: s.indexed === 'yes' };
  if (s.min !== undefined) fact.min = s.min;
  if (s.max !== undefined) fact.max = s.max;
  if (s.unit) fact.unit = s.unit;
  if (s.enumValues) fact.enumValues = s.enumValues;
  return fact;
}

const PG_RENAMES = [...PG_REMOVED.map((r) => r.name), 'wal_keep_size', 'primary_conninfo', 'promote_trigger_file', 'restore_command', 'recovery_target_timeline', 'max_slot_wal_keep_size', 'summarize_wal', 'recovery_prefetch', 'debug_parallel_query', 'trigger_file', 'standby_mode', 'my_ext.setting'];

export interface MutationBase { family: Family; origin: string; text: string; major?: number }

/** `count` mutations per family from a deterministic seed; PostgreSQL bases carry the major they came from. */
export function mutations(bases: readonly MutationBase[], count: number, seed: number): CorpusFile[] {
  const rng = new Random(seed);
  const out: CorpusFile[] = [];
  const pgpoolRenames = [...PGPOOL_RENAMES.map((r) => r.old), ...PGPOOL_RENAMES.flatMap((r) => (r.replacement && !r.replacement.endsWith('N') ? [r.replacement] : []))];
  for (const family of ['postgresql', 'pgpool'] as const) {
    const mine = bases.filter((b) => b.family === family);
    let attempts = 0;
    let made = 0;
    while (made < count && attempts < count * 10) {
      attempts++;
      const base = rng.pick(mine);
      const kind = MUTATION_KINDS[made % MUTATION_KINDS.length] ?? 'valid-value';
      const facts = family === 'pgpool' ? pgpoolFacts : pgFacts(base.major ?? 17);
      const m = mutate(rng, base.text, kind, facts, family === 'pgpool' ? pgpoolRenames : PG_RENAMES);
      if (!m) continue;
      out.push({ id: `mutation:${family}:${made}`, family, text: m.text, origin: base.origin, mutation: `${m.kind} ${m.line}` });
      made++;
    }
  }
  return out;
}
