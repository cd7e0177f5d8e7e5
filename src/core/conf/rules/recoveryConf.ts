/** recovery.conf: valid only up to PostgreSQL 11; from 12 its presence stops the server. */
import { RECOVERY_BY_NAME, RECOVERY_PARAMS } from '../catalog/recovery';
import { pgLabel, type RuleContext } from '../context';
import { suggest } from '../suggest';
import { range } from '../types';
import { checkValue } from './valueRules';

export function checkRecoveryConf(ctx: RuleContext): void {
  const v = ctx.postgres;
  const done = /recovery\.done$/.test(ctx.fileName ?? '');
  if (v >= 12 && !done) {
    ctx.report({ range: range(0, 0, (ctx.doc.lines[0] ?? '').length), severity: 'error', code: 'recovery/obsolete-file',
      message: `PostgreSQL ${pgLabel(v)} has no recovery.conf: a server that finds one refuses to start. Move the settings to postgresql.auto.conf (or postgresql.conf) and create standby.signal (use the "Migrate recovery.conf" action).` });
  }
  let standby = false;
  let source = false;
  for (const e of ctx.doc.entries) {
    if (e.kind === 'include') {
      ctx.report({ range: e.nameRange, severity: 'error', code: 'recovery/unknown-parameter', message: 'recovery.conf has no include directives.' });
      continue;
    }
    const p = RECOVERY_BY_NAME.get(e.key);
    if (!p || p.since > Math.min(v, 11)) {
      const close = suggest(e.key, RECOVERY_PARAMS.map((x) => x.name), 3);
      ctx.report({ range: e.nameRange, severity: 'error', code: 'recovery/unknown-parameter',
        message: p ? `${e.name} exists in recovery.conf since PostgreSQL ${pgLabel(p.since)}.` : `${e.name} is not a recovery.conf parameter: the server stops with "unrecognized recovery parameter".${close.length ? ` Did you mean ${close.join(', ')}?` : ''}`,
        ...(close.length && !p ? { fixes: close.map((c) => ({ title: `Rename to ${c}`, edits: [{ range: e.nameRange, newText: c }] })) } : {}) });
      continue;
    }
    if (p.deprecatedSince !== undefined && v >= p.deprecatedSince) {
      ctx.report({ range: e.nameRange, severity: 'warning', code: 'recovery/deprecated-parameter',
        message: `${e.name} is deprecated since PostgreSQL ${pgLabel(p.deprecatedSince)}: use ${p.replacement}.` });
    }
    checkValue(ctx, e, p);
    if (e.key === 'standby_mode' && /^(on|true|yes|1)$/i.test(e.value.trim())) standby = true;
    if ((e.key === 'primary_conninfo' || e.key === 'restore_command') && e.value.trim() !== '') source = true;
  }
  if (standby && !source) {
    const sm = ctx.doc.entries.find((e) => e.key === 'standby_mode');
    if (sm) ctx.report({ range: sm.nameRange, severity: 'warning', code: 'recovery/standby-without-source',
      message: 'standby_mode is on but neither primary_conninfo nor restore_command is set: the standby has nowhere to get WAL from.' });
  }
}
