// Facts that `postgres --describe-config` does not print, measured from the real servers for
// scripts/gen-postgres-gucs.mjs:
// - hidden GUCs (GUC_NOT_IN_SAMPLE developer options such as debug_parallel_query, read-only ones such as
//   lc_collate or server_version): `pg_settings` of a single-user backend (`postgres --single`, no socket);
// - GUC_NO_SHOW_ALL ones (not even in pg_settings, e.g. session_authorization): every identifier-like string of
//   the binary is asked with current_setting(name, true);
// - which hidden GUCs the server refuses in a configuration file whatever the value ("cannot be changed",
//   or a check hook that needs a transaction): a probe file with the server's own current value;
// - hidden enum spellings (on/true/yes/1 for password_encryption on 11): a probe per word;
// - time zone names (pg_timezone_names) and the timezone_abbreviations files the server accepts.
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const TYPE = { bool: 'bool', integer: 'int', real: 'double', string: 'string', enum: 'enum' };
const CONTEXT = { internal: 'internal', postmaster: 'restart', sighup: 'reload', 'superuser-backend': 'restart', backend: 'restart', superuser: 'session', user: 'session' };
const HIDDEN_WORDS = ['on', 'off', 'true', 'false', 'yes', 'no', '1', '0', 'archive', 'hot_standby'];

/** Runs one SQL statement (one line) in a single-user backend; returns the text of the first column. */
export function singleUser(bin, dataDir, as, sql) {
  const r = spawnSync(join(bin, 'postgres'), ['--single', '-D', dataDir, 'postgres'], { ...as, input: `${sql}\n`, encoding: 'utf8', cwd: '/', timeout: 60000, maxBuffer: 64 << 20 });
  const m = /\s1: \S+ = "([\s\S]*?)"\t\(typeid/.exec(r.stdout ?? '');
  if (!m) throw new Error(`single-user query failed on ${bin}: ${(r.stdout ?? '').slice(-500)} ${(r.stderr ?? '').slice(-500)}`);
  return m[1];
}

/** Runs `postgres args` and resolves with its exit code (async, for parallel probes); `err` collects stderr. */
function pgAsync(bin, args, as, err = { text: '' }) {
  return new Promise((resolve) => {
    const child = spawn(join(bin, 'postgres'), args, { ...as, cwd: '/', stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr.on('data', (d) => { err.text += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
    child.on('close', (code) => { clearTimeout(timer); resolve(code ?? 1); });
  });
}

const BOOL_WORDS = ['on', 'off', 'true', 'false', 'yes', 'no', '1', '0'];

/**
 * Hidden booleans: a NO_SHOW_ALL GUC is a boolean when a non-word is refused with "requires a Boolean value";
 * a boolean whose check hook refuses some spellings (default_with_oids on 12+ accepts only false) becomes an enum
 * of the spellings it accepts.
 */
async function refineBooleans(bin, dataDir, as, hidden) {
  for (const [name, s] of Object.entries(hidden)) {
    if (s.context === 'internal') continue;
    if (s.type === 'string') {
      const err = { text: '' };
      await pgAsync(bin, ['-D', dataDir, '-c', `${name}=zzz_not_a_value`, '-C', name], as, err);
      if (/requires a Boolean value/.test(err.text)) s.type = 'bool';
    }
    if (s.type !== 'bool') continue;
    const ok = await inParallel(BOOL_WORDS.map((w) => () => pgAsync(bin, ['-D', dataDir, '-c', `${name}=${w}`, '-C', name], as).then((c) => c === 0)));
    const accepted = BOOL_WORDS.filter((_, i) => ok[i]);
    if (accepted.length === BOOL_WORDS.length) continue;
    s.type = 'enum';
    s.enum = accepted.filter((w) => w === 'on' || w === 'off');
    s.hidden = accepted.filter((w) => w !== 'on' && w !== 'off');
  }
}

async function inParallel(jobs, limit = 8) {
  const out = new Array(jobs.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => { while (next < jobs.length) { const i = next++; out[i] = await jobs[i](); } }));
  return out;
}

/** Does the server accept `line` as a whole postgresql.conf? */
function acceptsFile(bin, dataDir, as, scratch, line, n) {
  const file = join(scratch, `hidden-${n}.conf`);
  writeFileSync(file, `${line}\n`);
  if (as.uid !== undefined) chownSync(file, as.uid, as.gid);
  return pgAsync(bin, ['-D', dataDir, '-c', `config_file=${file}`, '-C', 'port'], as).then((code) => { rmSync(file, { force: true }); return code === 0; });
}

const quote = (v) => `'${v.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;

/**
 * The GUCs of one server that `known` (its --describe-config names, lower case) lacks, as generator specs,
 * plus the hidden enum spellings of every enum in `specs` (mutated in place: spec.hidden).
 */
export async function hiddenFacts(version, bin, dataDir, as, known, specs) {
  const scratch = join(dirname(dataDir), `hidden${version}`);
  mkdirSync(scratch, { recursive: true });
  if (as.uid !== undefined) chownSync(scratch, as.uid, as.gid);
  const rows = singleUser(bin, dataDir, as, "select string_agg(concat_ws('|', name, vartype, context, coalesce(min_val, ''), coalesce(max_val, ''), coalesce(unit, ''), coalesce(array_to_string(enumvals, ','), ''), replace(replace(setting, '|', ''), '~', '')), '~') from pg_settings;");
  const hidden = {};
  const current = {};
  for (const row of rows.split('~')) {
    const [name, vartype, context, min, max, unit, enums, setting] = row.split('|');
    const key = name.toLowerCase();
    if (known.has(key)) continue;
    const type = TYPE[vartype] ?? 'string';
    const numeric = type === 'int' || type === 'double';
    hidden[key] = { type, context: CONTEXT[context] ?? 'reload', min: numeric ? Number(min) : null, max: numeric ? Number(max) : null, unit: unit ?? '', enum: enums ? enums.split(',').map((e) => e.toLowerCase()) : [] };
    current[key] = setting ?? '';
  }
  // GUC_NO_SHOW_ALL: not in pg_settings; find them among the binary's strings.
  const strings = spawnSync('strings', ['-n', '3', join(bin, 'postgres')], { encoding: 'utf8', maxBuffer: 256 << 20 }).stdout ?? '';
  // The linker merges a string into the tail of a longer one ("seed" inside "geqo_seed"): try every suffix.
  const candidates = new Set();
  for (const s of strings.split('\n')) {
    const tail = /[a-z0-9_]{3,60}$/.exec(s)?.[0] ?? '';
    for (let i = 0; i + 3 <= tail.length; i++) if (/[a-z]/.test(tail[i])) candidates.add(tail.slice(i));
  }
  const found = singleUser(bin, dataDir, as, `select coalesce(string_agg(n || '=' || current_setting(n), ' '), '') from unnest(string_to_array('${[...candidates].join(' ')}', ' ')) n where current_setting(n, true) is not null and lower(n) not in (select lower(name) from pg_settings);`);
  for (const pair of found.split(' ').filter(Boolean)) {
    const [name, ...rest] = pair.split('=');
    hidden[name] = { type: 'string', context: 'session', min: null, max: null, unit: '', enum: [] };
    current[name] = rest.join('=');
  }
  // Refused in a file even with the server's own value (and a few common ones): read-only for a configuration
  // file ('internal').
  const names = Object.keys(hidden);
  const tries = ['', '0', 'none', 'on'];
  const ok = await inParallel(names.flatMap((name, i) => [current[name] ?? '', ...tries].map((value, j) => () => acceptsFile(bin, dataDir, as, scratch, `${name} = ${quote(value)}`, `${i}-${j}`).then((accepted) => ({ name, accepted })))));
  for (const name of names) if (!ok.some((r) => r.name === name && r.accepted)) hidden[name].context = 'internal';
  await refineBooleans(bin, dataDir, as, hidden);
  // Hidden enum spellings.
  const all = { ...specs, ...hidden };
  const jobs = [];
  for (const [name, s] of Object.entries(all)) {
    if (s.type !== 'enum' || s.context === 'internal' || s.hidden) continue;
    s.hidden = [];
    for (const w of HIDDEN_WORDS) {
      if (s.enum.includes(w)) continue;
      jobs.push(async () => { if ((await pgAsync(bin, ['-D', dataDir, '-c', `${name}=${w}`, '-C', name], as)) === 0) s.hidden.push(w); });
    }
  }
  await inParallel(jobs);
  for (const s of Object.values(all)) if (s.hidden) s.hidden.sort((a, b) => HIDDEN_WORDS.indexOf(a) - HIDDEN_WORDS.indexOf(b));
  rmSync(scratch, { recursive: true, force: true });
  return hidden;
}

/** Time zone names (lower case) of one server. */
export function zoneNames(bin, dataDir, as) {
  return singleUser(bin, dataDir, as, "select string_agg(lower(name), ' ' order by name) from pg_timezone_names;").split(' ');
}

/** The timezone_abbreviations values (file names, case-sensitive) one server accepts. */
export async function abbreviationSets(bin, dataDir, as) {
  const dirs = [join(bin, '..', 'share', 'postgresql', 'timezonesets'), join(bin, '..', 'share', 'timezonesets'), '/usr/share/postgresql/15/timezonesets'];
  const files = new Set(dirs.filter(existsSync).flatMap((d) => readdirSync(d)));
  const names = [...files].sort();
  const ok = await inParallel(names.map((f) => () => pgAsync(bin, ['-D', dataDir, '-c', `timezone_abbreviations=${f}`, '-C', 'timezone_abbreviations'], as).then((c) => c === 0)));
  return names.filter((_, i) => ok[i]);
}
