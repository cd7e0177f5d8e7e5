/**
 * Differential run: every corpus file goes to the validator and to the real program(s) of its family;
 * the verdicts "would refuse" are compared and the result written to test-results/differential/report.json.
 * The oracles run in the fixed environment of environment.ts on data directories made for the run; the seed is
 * PGPOOL_CLUSTER_DIFF_SEED (default 20261125). A file whose verdict depends on the host (environmentDependence)
 * is counted apart, with its reason, not as agreement or disagreement.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fixtureFiles, mutations, repoRoot, type CorpusFile, type MutationBase } from './corpus';
import { PG_ZONE_NAMES } from '../../src/core/conf/catalog/postgresZones.generated';
import { digest, environmentDependence, normalizeBase, ORACLE_ENV, zonesMissingOnHost, type BaseFact } from './environment';
import { PgpoolOracle } from './pgpoolOracle';
import { PostgresOracle, type ProgramAnswer } from './postgresOracle';
import { closeScratch, openScratch, serviceUser } from './scratch';
import { validatorVerdict, type Program } from './verdict';

export interface Disagreement {
  program: Program;
  file: string;
  origin: string;
  mutation?: string;
  kind: 'fatal-unreported' | 'accepted-called-fatal';
  diagnostics: string[];
  programMessage: string;
}

/** `files` counts every probe of the program; `agree`/`rate` are over the files whose verdict does not depend on the host. */
export interface ProgramStats { program: Program; files: number; agree: number; disagree: number; environmentDependent: number; rate: number; refusedByProgram: number; refusedByValidator: number }

export interface EnvironmentDependentProbe { program: Program; file: string; mutation?: string; reason: string; programRefuses: boolean; validatorRefuses: boolean }

export interface DifferentialEnvironment {
  /** The oracles' own environment (fixed). */
  oracle: Record<string, string>;
  /** The caller's, for the record: it must not change any verdict. */
  caller: { LANG: string; LC_ALL: string; TZ: string };
  bases: BaseFact[];
  /** Zone names the validator accepts that /usr/share/zoneinfo lacks here (null: no such directory). */
  zonesMissingOnHost: string[] | null;
}

export interface DifferentialReport {
  seed: number; mutationsPerFamily: number; files: number; probes: number; seconds: number; environment: DifferentialEnvironment;
  programs: ProgramStats[]; disagreements: Disagreement[]; environmentDependent: EnvironmentDependentProbe[]; skipped: { file: string; reason: string }[];
}

/** An include of a file that is not there: the verdict depends on the disk, which a text validator cannot see. */
function missingInclude(file: CorpusFile): string | undefined {
  const m = /^\s*include\s*=?\s*'([^']*)'/m.exec(file.text);
  if (!m || m[1] === undefined) return undefined;
  const target = path.resolve(path.join(repoRoot, 'test', 'fixtures', 'conf', path.dirname(file.origin)), m[1]);
  return existsSync(target) ? undefined : `includes ${m[1]}, which does not exist beside it (pgpool: syntax error; a text check cannot know)`;
}

export interface DifferentialOptions { seed?: number; mutationsPerFamily?: number; concurrency?: number; reportFile?: string }

const PG_MAJORS = [11, 15, 17] as const;
export const DEFAULT_SEED = 20261125;

/** The corpus seed: PGPOOL_CLUSTER_DIFF_SEED when set (an integer), else the fixed default. */
export function seedFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.PGPOOL_CLUSTER_DIFF_SEED;
  if (raw === undefined || raw === '') return DEFAULT_SEED;
  if (!/^\d{1,10}$/.test(raw.trim()) || Number(raw) > 0xffffffff) throw new Error(`PGPOOL_CLUSTER_DIFF_SEED must be a whole number from 0 to 4294967295, not "${raw}"; unset it for the default ${DEFAULT_SEED}.`);
  return Number(raw);
}

/** Runs `jobs` with at most `limit` in flight; each job gets a slot number < limit. */
async function pool<T>(jobs: ((slot: number) => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array<T>(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async (_, slot) => {
    while (next < jobs.length) {
      const i = next++;
      const job = jobs[i];
      if (job) results[i] = await job(slot);
    }
  }));
  return results;
}

function bases(pg: Map<number, PostgresOracle>, facts: BaseFact[]): MutationBase[] {
  const out: MutationBase[] = [];
  for (const [major, oracle] of pg) {
    const origin = `initdb ${major} postgresql.conf`;
    const { text, normalized } = normalizeBase(oracle.sampleConf());
    facts.push({ origin, sha256: digest(text), normalized });
    out.push({ family: 'postgresql', origin, text, major });
  }
  const samples = path.join(repoRoot, 'test', 'fixtures', 'conf', 'samples');
  for (const f of readdirSync(samples)) out.push({ family: 'pgpool', origin: `samples/${f}`, text: readFileSync(path.join(samples, f), 'utf8') });
  return out;
}

export async function runDifferential(opts: DifferentialOptions = {}): Promise<DifferentialReport> {
  const user = serviceUser();
  openScratch(user);
  try {
    return await runIn(user, opts);
  } finally {
    closeScratch();
  }
}

async function runIn(user: ReturnType<typeof serviceUser>, opts: DifferentialOptions): Promise<DifferentialReport> {
  const seed = opts.seed ?? seedFromEnv();
  const perFamily = opts.mutationsPerFamily ?? 1000;
  const started = Date.now();
  const pg = new Map<number, PostgresOracle>();
  for (const major of PG_MAJORS) pg.set(major, await PostgresOracle.create(major, user));
  const pgpool = new PgpoolOracle(user);
  const baseFacts: BaseFact[] = [];
  const baseFiles = bases(pg, baseFacts);
  const samples: CorpusFile[] = baseFiles.map((b) => ({ id: `base:${b.origin}`, family: b.family, text: b.text, origin: b.origin }));
  const skipped: { file: string; reason: string }[] = [];
  const corpus = [...fixtureFiles(), ...samples, ...mutations(baseFiles, perFamily, seed)].filter((f) => {
    const why = missingInclude(f);
    if (why) skipped.push({ file: f.id, reason: why });
    return why === undefined;
  });
  type Probe = { file: CorpusFile; program: Program; ask: (slot: number) => Promise<ProgramAnswer> };
  const probes: Probe[] = [];
  for (const file of corpus) {
    if (file.family === 'pgpool') probes.push({ file, program: 'pgpool-4.3', ask: (slot) => pgpool.ask(file.text, slot) });
    else for (const [major, oracle] of pg) probes.push({ file, program: `postgresql-${major}` as Program, ask: (slot) => oracle.ask(file.text, slot) });
  }
  const answers = await pool(probes.map((p) => (slot: number) => p.ask(slot)), opts.concurrency ?? 4);
  const stats = new Map<Program, ProgramStats>();
  const disagreements: Disagreement[] = [];
  const environmentDependent: EnvironmentDependentProbe[] = [];
  probes.forEach((p, i) => {
    const answer = answers[i] as ProgramAnswer;
    const verdict = validatorVerdict(p.file.text, p.program);
    const s = stats.get(p.program) ?? { program: p.program, files: 0, agree: 0, disagree: 0, environmentDependent: 0, rate: 0, refusedByProgram: 0, refusedByValidator: 0 };
    stats.set(p.program, s);
    s.files++;
    if (answer.refuses) s.refusedByProgram++;
    if (verdict.refuses) s.refusedByValidator++;
    const hostDependent = p.file.family === 'postgresql' ? environmentDependence(p.file.text) : undefined;
    if (hostDependent) {
      s.environmentDependent++;
      environmentDependent.push({ program: p.program, file: p.file.id, ...(p.file.mutation ? { mutation: p.file.mutation } : {}), reason: hostDependent, programRefuses: answer.refuses, validatorRefuses: verdict.refuses });
      return;
    }
    if (answer.refuses === verdict.refuses) { s.agree++; return; }
    s.disagree++;
    const shown = verdict.refuses ? verdict.fatal : verdict.all.filter((d) => d.severity !== 'hint' || d.code.endsWith('unknown-parameter'));
    disagreements.push({
      program: p.program, file: p.file.id, origin: p.file.origin, ...(p.file.mutation ? { mutation: p.file.mutation } : {}),
      kind: answer.refuses ? 'fatal-unreported' : 'accepted-called-fatal',
      diagnostics: shown.slice(0, 6).map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.severity} ${d.code}: ${d.message}`),
      programMessage: answer.message,
    });
  });
  for (const s of stats.values()) s.rate = s.agree + s.disagree === 0 ? 1 : s.agree / (s.agree + s.disagree);
  const report: DifferentialReport = {
    seed, mutationsPerFamily: perFamily, files: corpus.length, probes: probes.length, seconds: (Date.now() - started) / 1000,
    environment: {
      oracle: { ...ORACLE_ENV },
      caller: { LANG: process.env.LANG ?? '', LC_ALL: process.env.LC_ALL ?? '', TZ: process.env.TZ ?? '' },
      bases: baseFacts,
      zonesMissingOnHost: zonesMissingOnHost(PG_ZONE_NAMES) ?? null,
    },
    programs: [...stats.values()], disagreements, environmentDependent, skipped,
  };
  const file = opts.reportFile ?? path.join(repoRoot, 'test-results', 'differential', 'report.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

export function summary(r: DifferentialReport): string {
  const env = r.environment;
  const lines = [`differential: ${r.files} files, ${r.probes} probes in ${r.seconds.toFixed(1)} s (seed ${r.seed})`,
    `  oracle environment ${Object.entries(env.oracle).map(([k, v]) => `${k}=${v}`).join(' ')}; caller LANG=${env.caller.LANG || '-'} LC_ALL=${env.caller.LC_ALL || '-'} TZ=${env.caller.TZ || '-'}`,
    `  host tz database: ${env.zonesMissingOnHost === null ? 'no /usr/share/zoneinfo' : env.zonesMissingOnHost.length === 0 ? 'has every zone the validator knows' : `lacks ${env.zonesMissingOnHost.length} zone(s) the validator knows: ${env.zonesMissingOnHost.slice(0, 8).join(', ')}`}`,
    `  bases ${env.bases.map((b) => `${b.origin.replace(/ postgresql\.conf$/, '')} ${b.sha256}${b.normalized.length ? ` (normalized: ${b.normalized.join(', ')})` : ''}`).join('; ')}`];
  for (const s of r.programs) {
    lines.push(`  ${s.program.padEnd(14)} ${(100 * s.rate).toFixed(2)}% agree (${s.agree} agreed, ${s.disagree} disagreed of ${s.files} files${s.environmentDependent ? `, ${s.environmentDependent} host-dependent` : ''}; refused: program ${s.refusedByProgram}, validator ${s.refusedByValidator})`);
  }
  for (const s of r.skipped) lines.push(`  skipped ${s.file}: ${s.reason}`);
  for (const e of r.environmentDependent) lines.push(`  host-dependent ${e.program} ${e.file}: ${e.reason} (program ${e.programRefuses ? 'refuses' : 'accepts'} here, validator ${e.validatorRefuses ? 'refuses' : 'does not refuse'})`);
  for (const d of r.disagreements) lines.push(`  DISAGREE ${d.program} ${d.kind} ${d.file} [${d.mutation ?? d.origin}]\n     validator: ${d.diagnostics[0] ?? '(nothing)'}\n     program:   ${d.programMessage || 'started'}`);
  return lines.join('\n');
}
