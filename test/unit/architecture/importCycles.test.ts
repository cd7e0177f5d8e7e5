/**
 * No import cycle in src/: every relative import (type-only ones too, and `import()`) read with the TypeScript
 * compiler's own pre-processor, cycles found as strongly connected components of that graph.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as ts from 'typescript';
import { repoRoot } from '../conf/paths';

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function resolve(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  return [`${base}.ts`, `${base}.tsx`, path.join(base, 'index.ts'), base.replace(/\.js$/, '.ts')].find((f) => fs.existsSync(f) && fs.statSync(f).isFile());
}

/** File -> files it imports (relative specifiers only; packages cannot close a cycle in src/). */
function importGraph(files: readonly string[]): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const f of files) {
    const info = ts.preProcessFile(fs.readFileSync(f, 'utf8'), true, true);
    graph.set(f, [...new Set(info.importedFiles.map((i) => i.fileName).filter((s) => s.startsWith('.')).flatMap((s) => resolve(f, s) ?? []))]);
  }
  return graph;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do { w = stack.pop()!; on.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

test('the cycle finder sees a cycle through a type-only import and ignores a chain', () => {
  const g = importGraph([]);
  assert.equal(g.size, 0);
  assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', []]])), []);
  assert.deepEqual(cycles(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]])), [['a', 'b', 'c']]);
  const info = ts.preProcessFile("import type { X } from './x';\nexport { Y } from './y';\nconst z = import('./z');\n", true, true);
  assert.deepEqual(info.importedFiles.map((i) => i.fileName), ['./x', './y', './z']);
});

test('src/ has no import cycle', () => {
  const src = path.join(repoRoot, 'src');
  const graph = importGraph(sourceFiles(src));
  assert.ok(graph.size > 100, `read ${graph.size} files`);
  assert.ok([...graph.values()].some((deps) => deps.length > 0));
  const found = cycles(graph).map((c) => c.map((f) => path.relative(repoRoot, f)).join(' <-> '));
  assert.deepEqual(found, [], `import cycles:\n${found.join('\n')}`);
});
