/** pgpool.conf names: unknown (did you mean), renamed, removed, not yet in the target release, index syntax. */
import { compareRelease, pgpoolReleasesOf, PGPOOL_RELEASE_LIST } from '../catalog/pgpool';
import { findPgpoolRename } from '../catalog/pgpoolHistory';
import type { RuleContext } from '../context';
import type { ConfEntry } from '../parser';
import type { PgpoolModel, PgpoolSetting } from '../pgpoolModel';
import { suggest } from '../suggest';
import type { Fix } from '../types';
import { checkValue } from './valueRules';

function renameFix(entry: ConfEntry, newName: string): Fix {
  return { title: `Rename to ${newName}`, edits: [{ range: entry.nameRange, newText: newName }] };
}

type RenameLookup = (name: string) => ReturnType<typeof findPgpoolRename>;

/** findPgpoolRename once per distinct name (big files repeat a few names thousands of times). */
function renameLookup(): RenameLookup {
  const seen = new Map<string, ReturnType<typeof findPgpoolRename> | null>();
  return (name) => {
    let r = seen.get(name);
    if (r === undefined) {
      r = findPgpoolRename(name) ?? null;
      seen.set(name, r);
    }
    return r ?? undefined;
  };
}

export function checkPgpoolNames(ctx: RuleContext, model: PgpoolModel): void {
  for (const e of ctx.doc.entries) {
    if (e.kind === 'include') checkInclude(ctx, e);
  }
  const findRename = renameLookup();
  for (const s of model.settings) {
    const e = s.entry;
    // A name the catalogue's x.y.0 release still had but a later minor release renamed (the target x.y means its newest).
    const minorRename = findRename(e.name);
    if (s.resolved && minorRename?.rename.minorRelease && minorRename.rename.replacement && compareRelease(minorRename.rename.since, ctx.pgpool) === 0 && model.catalog.has(minorRename.rename.replacement)) {
      ctx.report({ range: e.nameRange, severity: 'warning', code: 'pgpool/renamed-parameter',
        message: `${e.name} was renamed ${minorRename.rename.replacement} in pgpool-II ${minorRename.rename.minorRelease}${minorRename.rename.note ? ` (${minorRename.rename.note})` : ''}; later ${ctx.pgpool} releases ignore this line.`,
        fixes: [renameFix(e, minorRename.rename.replacement)] });
      continue;
    }
    if (s.resolved) { checkKnown(ctx, model, s, findRename); continue; }
    const arrayBase = indexedPrefixOf(model, e.name);
    if (arrayBase) {
      ctx.report({ range: e.nameRange, severity: 'error', code: 'pgpool/invalid-index',
        message: `${e.name} starts with the indexed parameter ${arrayBase}, so pgpool reads "${e.name.slice(arrayBase.length)}" as its node index and refuses to start ("invalid index value ... non digit character").` });
      continue;
    }
    const renamed = findRename(e.name);
    if (renamed && compareRelease(renamed.rename.since, ctx.pgpool) <= 0) {
      const r = renamed.rename;
      const target = r.replacement && !r.replacement.endsWith('N') ? r.replacement : undefined;
      const fixes = r.autoFix && target && model.catalog.has(target) ? [renameFix(e, target)] : undefined;
      ctx.report({
        range: e.nameRange, severity: 'warning', code: r.replacement ? 'pgpool/renamed-parameter' : 'pgpool/removed-parameter',
        message: r.replacement
          ? `${e.name} was replaced by ${r.replacement} in pgpool-II ${r.since}; ${ctx.pgpool} does not know it and ignores this line.${r.note ? ` Note: ${r.note}.` : ''}`
          : `${e.name} was removed in pgpool-II ${r.since}; ${ctx.pgpool} ignores this line.${r.note ? ` (${r.note})` : ''}`,
        ...(fixes ? { fixes } : {}),
      });
      continue;
    }
    const releases = pgpoolReleasesOf(e.name.replace(/\d+$/, '')).length > 0 ? pgpoolReleasesOf(e.name.replace(/\d+$/, '')) : pgpoolReleasesOf(e.name);
    if (releases.length > 0) {
      const first = releases[0] as string;
      const last = releases[releases.length - 1] as string;
      if (compareRelease(first, ctx.pgpool) > 0) {
        ctx.report({ range: e.nameRange, severity: 'warning', code: 'pgpool/parameter-not-in-version',
          message: `${e.name} was added in pgpool-II ${first}; the target ${ctx.pgpool} does not know it and ignores this line (INFO "unrecognized configuration parameter").` });
        continue;
      }
      if (compareRelease(last, ctx.pgpool) < 0) {
        const nextRel = PGPOOL_RELEASE_LIST[PGPOOL_RELEASE_LIST.indexOf(last) + 1] ?? '';
        ctx.report({ range: e.nameRange, severity: 'warning', code: 'pgpool/removed-parameter',
          message: `${e.name} existed up to pgpool-II ${last} and was removed in ${nextRel}; ${ctx.pgpool} ignores this line.` });
        continue;
      }
    }
    const idx = /\d+$/.exec(e.name)?.[0];
    const pool: string[] = [];
    for (const sp of model.catalog.values()) {
      if (sp.aliasOf) continue;
      if (sp.indexed === 'no') pool.push(sp.name);
      else if (sp.indexed === 'yes') pool.push(`${sp.name}${idx ?? '0'}`);
      else pool.push(idx ? `${sp.name}${idx}` : sp.name);
    }
    const close = suggest(e.name, pool, 3);
    ctx.report({
      range: e.nameRange, severity: 'warning', code: 'pgpool/unknown-parameter',
      message: `Unknown parameter ${e.name} for pgpool-II ${ctx.pgpool}: pgpool only logs "unrecognized configuration parameter" and ignores it.${close.length ? ` Did you mean ${close.join(', ')}?` : ''}`,
      ...(close.length ? { fixes: close.map((c) => renameFix(e, c)) } : {}),
    });
  }
}

/** pgpool's find_option(): an indexed parameter matches every name it is a prefix of, digits or not. */
function indexedPrefixOf(model: PgpoolModel, name: string): string | undefined {
  let best: string | undefined;
  for (const sp of model.catalog.values()) {
    if (sp.indexed === 'no' || !name.startsWith(sp.name) || /^\d*$/.test(name.slice(sp.name.length))) continue;
    if (!best || sp.name.length > best.length) best = sp.name;
  }
  return best;
}

function checkInclude(ctx: RuleContext, e: ConfEntry): void {
  if (e.name !== 'include') {
    ctx.report({ range: e.nameRange, severity: 'warning', code: 'pgpool/unknown-parameter',
      message: `pgpool.conf supports only the "include" directive, not ${e.name}; pgpool ignores this line as an unknown parameter.`,
      fixes: [renameFix(e, 'include')] });
    return;
  }
  if (compareRelease(ctx.pgpool, '4.3') < 0) {
    ctx.report({ range: e.nameRange, severity: 'warning', code: 'pgpool/include-unsupported',
      message: `The include directive exists since pgpool-II 4.3; ${ctx.pgpool} treats it as an unknown parameter, so ${e.rawValue} is not read.` });
  } else if (e.value.trim() === '') {
    ctx.report({ range: e.valueRange, severity: 'error', code: 'pgpool/include-empty', message: 'include needs a file name.' });
  }
}

function checkKnown(ctx: RuleContext, model: PgpoolModel, s: PgpoolSetting, findRename: RenameLookup): void {
  const r = s.resolved;
  if (!r) return;
  const e = s.entry;
  const spec = r.spec;
  if (r.index === undefined && spec.indexed === 'yes') {
    ctx.report({ range: e.nameRange, severity: 'error', code: 'pgpool/missing-index',
      message: `${e.name} needs a node index, e.g. ${e.name}0 (pgpool: "expects the index postfix").`,
      fixes: [renameFix(e, `${e.name}0`)] });
    return;
  }
  if (r.index !== undefined) {
    const max = spec.indexMax ?? 127;
    if (r.index > max || (r.indexText !== undefined && r.indexText.length > 1 && r.indexText.startsWith('0'))) {
      ctx.report({ range: e.nameRange, severity: 'error', code: 'pgpool/index-out-of-range',
        message: r.index > max
          ? `Index ${r.index} of ${r.base} is out of range: valid indexes are 0..${max}.`
          : `Index "${r.indexText ?? ''}" of ${r.base} has a leading zero; write ${r.base}${r.index}.` });
      return;
    }
  }
  const renamed = findRename(e.name);
  if (spec.aliasOf || (renamed?.rename.replacement && compareRelease(renamed.rename.since, ctx.pgpool) <= 0 && model.catalog.has(renamed.rename.replacement))) {
    const target = spec.aliasOf ?? renamed?.rename.replacement ?? '';
    const noEffect = e.name === 'fail_over_on_backend_error' && compareRelease(ctx.pgpool, '4.4') < 0;
    ctx.report({ range: e.nameRange, severity: 'warning', code: 'pgpool/deprecated-parameter',
      message: noEffect
        ? `${e.name} was renamed ${target} in pgpool-II 4.0; on ${ctx.pgpool} the old name is accepted with a WARNING but has no effect.`
        : `${e.name} is a deprecated alias of ${target} (pgpool-II ${renamed?.rename.since ?? ''}); pgpool copies the value with a WARNING. Use ${target}.`,
      fixes: [renameFix(e, target)] });
  }
  if (e.name === 'replication_mode' && compareRelease(ctx.pgpool, '4.2') >= 0 && model.bool('replication_mode')) {
    ctx.report({ range: e.nameRange, severity: 'warning', code: 'pgpool/deprecated-parameter',
      message: "replication_mode is ignored since pgpool-II 4.2: use backend_clustering_mode = 'native_replication'." });
  }
  checkValue(ctx, e, spec);
}
