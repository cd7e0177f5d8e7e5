// The files package.json points at (main, icon, and every "./..." inside contributes): a .vsix without
// one of them installs fine and then fails in the editor.
import { posix } from 'node:path';

function collect(value, into) {
  if (typeof value === 'string') {
    if (value.startsWith('./')) into.add(posix.normalize(value));
  } else if (Array.isArray(value)) {
    for (const v of value) collect(v, into);
  } else if (value && typeof value === 'object') {
    for (const v of Object.values(value)) collect(v, into);
  }
  return into;
}

/** @returns {string[]} paths relative to the extension folder, e.g. "dist/extension.js" */
export function manifestPaths(pkg) {
  const paths = collect(pkg.contributes ?? {}, new Set());
  for (const top of [pkg.main, pkg.browser, pkg.icon]) {
    if (typeof top === 'string') paths.add(posix.normalize(top));
  }
  return [...paths].sort();
}
