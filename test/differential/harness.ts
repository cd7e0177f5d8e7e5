/**
 * Differential run: every corpus file goes to the validator and to the real program(s) of its family;
 * the verdicts "would refuse" are compared and the result written to test-results/differential/report.json.
 */
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fixtureFiles, mutations, repoRoot, type CorpusFile, type MutationBase } from './corpus';
import { PgpoolOracle } from './pgpoolOracle';
import { PostgresOracle, type ProgramAnswer } from './postgresOracle';
import { serviceUser } from './scratch';
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

export interface ProgramStats { program: Program; files: number; agree: number; rate: number; refusedByProgram: number; refusedByValidator: number }

export interface DifferentialReport { seed: number; mutationsPerFamily: number; files: number; probes: number; seconds: number; programs: ProgramStats[]; disagreements: Disagreement[]; skipped: { file: string; reason: string }[] }

/** An include of a file that is not there: the verdict depends on the disk, which a text validator cannot see. */
function missingInclude(file: CorpusFile): string | undefined {
  const m = /^\s*include\s*=?\s*'([^']*)'/m.exec(file.text);
  if (!m || m[1] === undefined) return undefined;
  const target = path.resolve(path.join(repoRoot, 'test', 'fixtures', 'conf', path.dirname(file.origin)), m[1]);
  return existsSync(target) ? undefined : `includes ${m[1]}, which does not exist beside it (pgpool: syntax error; a text check cannot know)`;
}

export interface DifferentialOptions { seed?: number; mutationsPerFamily?: number; concurrency?: number; reportFile?: string }

const PG_MAJORS = [11, 15, 17] as const;

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

function bases(pg: Map<number, PostgresOracle>): MutationBase[] {
  const out: MutationBase[] = [];
  for (const [major, oracle] of pg) out.push({ family: 'postgresql', origin: `initdb ${major} postgresql.conf`, text: readFileSync(oracle.sampleConfPath(), 'utf8'), major });
  const samples = path.join(repoRoot, 'test', 'fixtures', 'conf', 'samples');
  for (const f of readdirSync(samples)) out.push({ family: 'pgpool', origin: `samples/${f}`, text: readFileSync(path.join(samples, f), 'utf8') });
  return out;
}

export async function runDifferential(opts: DifferentialOptions = {}): Promise<DifferentialReport> {
  const seed = opts.seed ?? 20261125;
  const perFamily = opts.mutationsPerFamily ?? 1000;
  const started = Date.now();
  const user = serviceUser();
  const pg = new Map<number, PostgresOracle>();
  for (const major of PG_MAJORS) pg.set(major, await PostgresOracle.create(major, user));
  const pgpool = new PgpoolOracle(user);
  const baseFiles = bases(pg);
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
  probes.forEach((p, i) => {
    const answer = answers[i] as ProgramAnswer;
    const verdict = validatorVerdict(p.file.text, p.program);
    const s = stats.get(p.program) ?? { program: p.program, files: 0, agree: 0, rate: 0, refusedByProgram: 0, refusedByValidator: 0 };
    stats.set(p.program, s);
    s.files++;
    if (answer.refuses) s.refusedByProgram++;
    if (verdict.refuses) s.refusedByValidator++;
    if (answer.refuses === verdict.refuses) { s.agree++; return; }
    const shown = verdict.refuses ? verdict.fatal : verdict.all.filter((d) => d.severity !== 'hint' || d.code.endsWith('unknown-parameter'));
    disagreements.push({
      program: p.program, file: p.file.id, origin: p.file.origin, ...(p.file.mutation ? { mutation: p.file.mutation } : {}),
      kind: answer.refuses ? 'fatal-unreported' : 'accepted-called-fatal',
      diagnostics: shown.slice(0, 6).map((d) => `${d.range.start.line + 1}:${d.range.start.character + 1} ${d.severity} ${d.code}: ${d.message}`),
      programMessage: answer.message,
    });
  });
  for (const s of stats.values()) s.rate = s.files === 0 ? 1 : s.agree / s.files;
  const report: DifferentialReport = {
    seed, mutationsPerFamily: perFamily, files: corpus.length, probes: probes.length, seconds: (Date.now() - started) / 1000,
    programs: [...stats.values()], disagreements, skipped,
  };
  const file = opts.reportFile ?? path.join(repoRoot, 'test-results', 'differential', 'report.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

export function summary(r: DifferentialReport): string {
  const lines = [`differential: ${r.files} files, ${r.probes} probes in ${r.seconds.toFixed(1)} s (seed ${r.seed})`];
  for (const s of r.programs) lines.push(`  ${s.program.padEnd(14)} ${(100 * s.rate).toFixed(2)}% agree (${s.agree}/${s.files}; refused: program ${s.refusedByProgram}, validator ${s.refusedByValidator})`);
  for (const s of r.skipped) lines.push(`  skipped ${s.file}: ${s.reason}`);
  for (const d of r.disagreements) lines.push(`  DISAGREE ${d.program} ${d.kind} ${d.file} [${d.mutation ?? d.origin}]\n     validator: ${d.diagnostics[0] ?? '(nothing)'}\n     program:   ${d.programMessage || 'started'}`);
  return lines.join('\n');
}
