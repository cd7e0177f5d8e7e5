/** postgresql.conf / postgresql.auto.conf: names per major version, recovery settings, wal_level aliases. */
import { pgCatalog, pgGucHistory, PG_OTHER_NAMES, PG_REMOVED, PG_GUCS } from '../catalog/postgres';
import { RECOVERY_BY_NAME } from '../catalog/recovery';
import { hasMeasuredCatalog, isReadOnlyGuc, measuredPgCatalog } from '../catalog/postgresGenerated';
import { pgLabel, type RuleContext } from '../context';
import { replaceValueEdit } from '../parser';
import { suggest } from '../suggest';
import { checkValue } from './valueRules';
import { checkPgHooks } from './postgresHooks';

/** GUCs that exist only in builds with a debugging macro (LOCK_DEBUG, WAL_DEBUG, BTREE_BUILD_STATS ...). */
const BUILD_OPTION_GUCS = new Set(['trace_locks', 'trace_lwlocks', 'trace_userlocks', 'trace_lock_oidmin', 'trace_lock_table',
  'debug_deadlocks', 'wal_debug', 'log_btree_build_stats', 'optimize_bounded_sort', 'trace_syncscan']);

let allNames: string[] | undefined;

export function checkPostgresql(ctx: RuleContext): void {
  const v = ctx.postgres;
  const catalog = pgCatalog(v);
  const targets: { name: string; line: number }[] = [];
  for (const e of ctx.doc.entries) {
    if (e.kind === 'include') continue;
    const key = e.key;
    if (isReadOnlyGuc(key, v)) {
      ctx.report({ range: e.nameRange, severity: 'error', code: 'postgresql/read-only-parameter',
        message: `${e.name} is read-only in PostgreSQL ${pgLabel(v)} (fixed at initdb or build time, or set by the server itself): in a configuration file it is refused ("parameter cannot be changed" or "invalid value") and the server does not start. Remove the line.` });
      continue;
    }
    const spec = catalog.get(key) ?? measuredPgCatalog(v).get(key);
    if (spec) {
      let valueProblems = 0;
      checkValue({ ...ctx, report: (d) => { valueProblems++; ctx.report(d); } }, e, spec);
      if (valueProblems === 0) checkPgHooks(ctx, e, spec);
      if (key === 'wal_level' && v >= 9.6 && /^(hot_standby|archive)$/i.test(e.value)) {
        ctx.report({ range: e.valueRange, severity: 'warning', code: 'postgresql/deprecated-value',
          message: `wal_level = ${e.value} is a deprecated alias of replica since PostgreSQL 9.6 (still accepted, mapped to replica).`,
          fixes: [{ title: "Change to 'replica'", edits: [replaceValueEdit(e, 'replica')] }] });
      } else if (key === 'wal_level' && v < 9.6 && e.value.toLowerCase() === 'replica') {
        ctx.report({ range: e.valueRange, severity: 'error', code: 'postgresql/invalid-enum-value', message: 'replica exists since PostgreSQL 9.6; use hot_standby.' });
      }
      if (key === 'primary_conninfo' && /(^|\s)dbname\s*=/.test(e.value)) {
        ctx.report({ range: e.valueRange, severity: 'warning', code: 'postgresql/conninfo-dbname',
          message: 'primary_conninfo should not name a database: the replication connection ignores dbname.' });
      }
      if (key.startsWith('recovery_target') && key !== 'recovery_target_inclusive' && key !== 'recovery_target_timeline' && key !== 'recovery_target_action' && e.value !== '') {
        targets.push({ name: key, line: e.line });
      }
      continue;
    }
    const removed = PG_REMOVED.find((r) => r.name === key);
    if (removed && v >= removed.removedIn) {
      const fix = removed.replacement && catalog.has(removed.replacement) && key !== 'wal_keep_segments'
        ? [{ title: `Rename to ${removed.replacement}`, edits: [{ range: e.nameRange, newText: removed.replacement }] }] : undefined;
      ctx.report({ range: e.nameRange, severity: 'error', code: 'postgresql/removed-parameter',
        message: `${e.name} does not exist in PostgreSQL ${pgLabel(v)} (${removed.replacement ? `replaced by ${removed.replacement}` : 'removed'} in ${pgLabel(removed.removedIn)}): the server refuses to start with "unrecognized configuration parameter". ${removed.note}.`,
        ...(fix ? { fixes: fix } : {}) });
      continue;
    }
    if (v < 12 && RECOVERY_BY_NAME.has(key)) {
      ctx.report({ range: e.nameRange, severity: 'error', code: 'postgresql/recovery-parameter',
        message: `${e.name} is a recovery.conf setting on PostgreSQL ${pgLabel(v)}; in postgresql.conf it is "unrecognized configuration parameter" and the server does not start. Move it to recovery.conf (or target PostgreSQL 12+).` });
      continue;
    }
    const history = pgGucHistory(key);
    if (history.length > 0) {
      const since = Math.min(...history.map((h) => h.since));
      const until = Math.max(...history.map((h) => h.until ?? 99));
      ctx.report({ range: e.nameRange, severity: 'error', code: v < since ? 'postgresql/parameter-not-in-version' : 'postgresql/removed-parameter',
        message: v < since
          ? `${e.name} exists since PostgreSQL ${pgLabel(since)}; ${pgLabel(v)} refuses to start with it.`
          : `${e.name} was removed after PostgreSQL ${pgLabel(until)}; ${pgLabel(v)} refuses to start with it.` });
      continue;
    }
    if (key.includes('.')) continue;
    if (hasMeasuredCatalog(v) && !BUILD_OPTION_GUCS.has(key)) {
      // Measured majors know every name (hidden and read-only ones included): an unknown one without a dot stops the server.
      allNames ??= [...new Set([...PG_GUCS.map((g) => g.name), ...PG_OTHER_NAMES])];
      const near = suggest(key, [...measuredPgCatalog(v).keys()], 3);
      ctx.report({ range: e.nameRange, severity: 'error', code: 'postgresql/unknown-parameter',
        message: `${e.name} is not a PostgreSQL ${pgLabel(v)} parameter: the server refuses to start with "unrecognized configuration parameter" (extension parameters are written name.setting).${near.length ? ` Did you mean ${near.join(', ')}?` : ''}`,
        ...(near.length ? { fixes: near.map((c) => ({ title: `Rename to ${c}`, edits: [{ range: e.nameRange, newText: c }] })) } : {}) });
      continue;
    }
    if (PG_OTHER_NAMES.has(key)) continue;
    allNames ??= [...new Set([...PG_GUCS.map((g) => g.name), ...PG_OTHER_NAMES])];
    const close = suggest(key, allNames, 3);
    ctx.report({ range: e.nameRange, severity: 'hint', code: 'postgresql/unknown-parameter',
      message: `${e.name} is not a PostgreSQL ${pgLabel(v)} parameter this extension knows (extensions can add parameters, normally as name.setting).${close.length ? ` Did you mean ${close.join(', ')}?` : ''}`,
      ...(close.length ? { fixes: close.map((c) => ({ title: `Rename to ${c}`, edits: [{ range: e.nameRange, newText: c }] })) } : {}) });
  }
  if (v >= 12) {
    const distinct = [...new Set(targets.map((t) => t.name))];
    if (distinct.length > 1) {
      const last = targets[targets.length - 1];
      if (last) ctx.report({ range: { start: { line: last.line, character: 0 }, end: { line: last.line, character: (ctx.doc.lines[last.line] ?? '').length } },
        severity: 'error', code: 'postgresql/multiple-recovery-targets',
        message: `More than one recovery target is set (${distinct.join(', ')}); since PostgreSQL 12 that is an error. Keep one.` });
    }
  }
}
