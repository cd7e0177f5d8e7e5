// Generates src/core/conf/catalog/postgresGucs.generated.ts by asking the real servers (PostgreSQL 11, 15, 17):
// `postgres --describe-config` gives every GUC with type, context and range; enum values come from the HINT of an
// invalid value, the base unit from the "N <unit> is outside the valid range" message. Run as root or postgres:
//   node scripts/gen-postgres-gucs.mjs
// Hidden GUCs, read-only ones, hidden enum spellings, time zone names and abbreviation sets come from
// gen-postgres-hidden.mjs (a single-user backend and probes; no server socket is opened).
// The output is committed: the runtime never needs the binaries. Needs one scratch data directory per version.
import { execFileSync, spawnSync } from 'node:child_process';
import { abbreviationSets, hiddenFacts, zoneNames } from './gen-postgres-hidden.mjs';
import { mkdirSync, readFileSync, writeFileSync, existsSync, chownSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outFile = join(root, 'src', 'core', 'conf', 'catalog', 'postgresGucs.generated.ts');
const zonesFile = join(root, 'src', 'core', 'conf', 'catalog', 'postgresZones.generated.ts');
const scratch = '/var/tmp/pgpool-cluster-diff/gen';
const BIN = {
  11: '/opt/pgpool-cluster/postgres/node_modules/pg11/native/bin',
  15: '/usr/lib/postgresql/15/bin',
  17: '/opt/pgpool-cluster/postgres/node_modules/pg17/native/bin',
};

const pw = readFileSync('/etc/passwd', 'utf8').split('\n').map((l) => l.split(':')).find((f) => f[0] === 'postgres');
const as = process.getuid?.() === 0 && pw ? { uid: Number(pw[2]), gid: Number(pw[3]) } : {};

function pg(version, args) {
  const r = spawnSync(join(BIN[version], 'postgres'), args, { ...as, encoding: 'utf8', cwd: '/', timeout: 10000 });
  return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}` };
}

function dataDir(version) {
  const dir = join(scratch, `pg${version}`);
  if (!existsSync(join(dir, 'PG_VERSION'))) {
    mkdirSync(scratch, { recursive: true });
    if (as.uid !== undefined) chownSync(scratch, as.uid, as.gid);
    execFileSync(join(BIN[version], 'initdb'), ['-D', dir, '-N', '-A', 'trust'], { ...as, stdio: 'ignore', cwd: '/' });
  }
  return dir;
}

const CONTEXT = { internal: 'internal', postmaster: 'restart', sighup: 'reload', 'superuser-backend': 'restart', backend: 'restart', superuser: 'session', user: 'session' };
const TYPE = { BOOLEAN: 'bool', INTEGER: 'int', REAL: 'double', STRING: 'string', ENUM: 'enum' };

function describe(version) {
  const dir = dataDir(version);
  const out = execFileSync(join(BIN[version], 'postgres'), ['--describe-config'], { ...as, encoding: 'utf8', cwd: '/' });
  const gucs = {};
  for (const line of out.split('\n')) {
    const f = line.split('\t');
    if (f.length < 7 || !f[0]) continue;
    const [name, context, , vartype, , min, max] = f;
    const spec = { type: TYPE[vartype] ?? 'string', context: CONTEXT[context] ?? 'reload', min: null, max: null, unit: '', enum: [] };
    if (spec.type === 'int' || spec.type === 'double') {
      spec.min = Number(min);
      spec.max = Number(max);
      // One below the minimum: the refusal names the base unit ("15 8kB is outside the valid range").
      const probe = spec.type === 'int' ? String(spec.min - 1) : String(spec.min - 1);
      const r = pg(version, ['-D', dir, '-c', `${name}=${probe}`, '-C', name]);
      const m = /FATAL:\s+(-?[0-9.e+]+)(?: (\S+))? is outside the valid range/.exec(r.out);
      if (m && m[2]) spec.unit = m[2];
    } else if (spec.type === 'enum') {
      const r = pg(version, ['-D', dir, '-c', `${name}=no_such_value_x`, '-C', name]);
      const m = /Available values: (.*)\./.exec(r.out);
      spec.enum = m ? m[1].split(', ').map((v) => v.toLowerCase()) : [];
    }
    gucs[name.toLowerCase()] = spec;
  }
  return gucs;
}

const versions = [11, 15, 17];
const byVersion = Object.fromEntries(versions.map((v) => [v, describe(v)]));
for (const v of versions) {
  const hidden = await hiddenFacts(v, BIN[v], dataDir(v), as, new Set(Object.keys(byVersion[v])), byVersion[v]);
  Object.assign(byVersion[v], hidden);
  console.log(`PostgreSQL ${v}: ${Object.keys(hidden).length} hidden GUCs (${Object.values(hidden).filter((h) => h.context === 'internal').length} refused in a file)`);
}
// PostgreSQL 11's range errors omit the unit: ask whether it takes units at all, then borrow the newer base unit.
for (const [name, s] of Object.entries(byVersion[11])) {
  if ((s.type !== 'int' && s.type !== 'double') || s.unit) continue;
  const r = pg(11, ['-D', dataDir(11), '-c', `${name}=1zz`, '-C', name]);
  const m = /Valid units for this parameter are (.*)\./.exec(r.out);
  if (!m) continue;
  const newer = byVersion[15][name]?.unit || byVersion[17][name]?.unit;
  s.unit = newer || (m[1].includes('"kB"') ? 'kB' : 'ms');
}
const names = [...new Set(versions.flatMap((v) => Object.keys(byVersion[v])))].sort();
const rows = [];
for (const name of names) {
  const groups = [];
  for (const v of versions) {
    const s = byVersion[v][name];
    if (!s) continue;
    const tuple = JSON.stringify([s.type, s.context, s.min, s.max, s.unit, s.enum, ...(s.hidden?.length ? [s.hidden] : [])]);
    const same = groups.find((g) => g.tuple === tuple);
    if (same) same.versions.push(v); else groups.push({ tuple, versions: [v] });
  }
  rows.push(`  ${JSON.stringify(name)}: [${groups.map((g) => `[${JSON.stringify(g.versions)},${g.tuple}]`).join(',')}],`);
}
writeFileSync(outFile, `// GENERATED by scripts/gen-postgres-gucs.mjs from the real servers' --describe-config (PostgreSQL ${versions.join(', ')}),
// enum values from their "Available values" hints, base units from their range errors; hidden GUCs from
// pg_settings and current_setting() (context "internal": the server refuses the name in a configuration file
// whatever the value), hidden enum spellings from probes. Do not edit by hand.
import type { RawPgGucSpan } from './postgresGucTypes';

export const PG_GENERATED_VERSIONS: readonly number[] = ${JSON.stringify(versions)};

/** name -> [[versions], [type, context, min, max, unit, enumValues, hiddenEnumValues?]] */
export const PG_GENERATED_GUCS: Record<string, RawPgGucSpan[]> = {
${rows.join('\n')}
};
`);
console.log(`${names.length} GUCs -> ${outFile}`);

const zones = [...new Set(versions.flatMap((v) => zoneNames(BIN[v], dataDir(v), as)))].filter(Boolean).sort();
const sets = {};
for (const v of versions) sets[v] = await abbreviationSets(BIN[v], dataDir(v), as);
const setNames = [...new Set(Object.values(sets).flat())].sort();
if (versions.some((v) => sets[v].length !== setNames.length)) throw new Error(`timezone_abbreviations differ by version: ${JSON.stringify(sets)}`);
writeFileSync(zonesFile, `// GENERATED by scripts/gen-postgres-gucs.mjs: the time zone names of PostgreSQL ${versions.join(', ')} (pg_timezone_names,
// lower case; TimeZone is matched case-insensitively) and the timezone_abbreviations files they accept. Do not edit by hand.

export const PG_ZONE_NAMES: ReadonlySet<string> = new Set(${JSON.stringify(zones.join(' '))}.split(' '));

export const PG_ABBREVIATION_SETS: readonly string[] = ${JSON.stringify(setNames)};
`);
console.log(`${zones.length} zone names, abbreviation sets ${setNames.join(', ')} -> ${zonesFile}`);
