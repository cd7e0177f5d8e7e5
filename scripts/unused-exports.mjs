// Lists exports of src/ and webview/ that no other file uses, and barrels (index.ts) nothing imports.
// Usage: node scripts/unused-exports.mjs [--tests-count]   (by default a use only from test/ or bench/ is reported too)
// Reads the program of tsconfig.json with the TypeScript checker: every identifier that resolves to an exported
// symbol from another file counts as a use (imports, re-exports, `import()` chunks' members). Exits 0; a report.
import * as path from 'node:path';
import ts from 'typescript';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const testsCount = process.argv.includes('--tests-count');
const parsed = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(String(d.messageText)); } });
const program = ts.createProgram(parsed.fileNames, parsed.options);
const checker = program.getTypeChecker();
const rel = (f) => path.relative(root, f);
const own = program.getSourceFiles().filter((sf) => !sf.isDeclarationFile && !rel(sf.fileName).startsWith('..') && !rel(sf.fileName).includes('node_modules'));
const product = (f) => /^(src|webview)\//.test(rel(f));
const isTest = (f) => /^(test|bench)\//.test(rel(f));

const resolved = (s) => (s && s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s);
/** symbol -> files (other than its own) that name it */
const users = new Map();
for (const sf of own) {
  const visit = (node) => {
    // A declaration's own name is not a use of it; `{ name }` in an object literal uses the value named.
    const shorthand = ts.isIdentifier(node) && ts.isShorthandPropertyAssignment(node.parent) && node.parent.name === node;
    if (ts.isIdentifier(node) && (shorthand || !(ts.isDeclaration(node.parent) && node.parent.name === node))) {
      const s = resolved(shorthand ? checker.getShorthandAssignmentValueSymbol(node.parent) : checker.getSymbolAtLocation(node));
      if (s) {
        let set = users.get(s);
        if (!set) users.set(s, (set = new Set()));
        set.add(sf.fileName);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

const barrelImported = new Set();
for (const sf of own) {
  for (const imp of ts.preProcessFile(sf.text, true, true).importedFiles) {
    if (!imp.fileName.startsWith('.')) continue;
    const r = ts.resolveModuleName(imp.fileName, sf.fileName, parsed.options, ts.sys).resolvedModule;
    if (r && path.basename(r.resolvedFileName) === 'index.ts') barrelImported.add(r.resolvedFileName);
  }
}

const unused = [];
const testOnly = [];
const barrels = [];
for (const sf of own.filter((f) => product(f.fileName))) {
  if (path.basename(sf.fileName) === 'index.ts' && !barrelImported.has(sf.fileName)) barrels.push(rel(sf.fileName));
  const mod = checker.getSymbolAtLocation(sf);
  if (!mod) continue;
  for (const e of checker.getExportsOfModule(mod)) {
    const target = resolved(e);
    const decl = target.declarations?.[0];
    // Re-exports are judged where they are declared.
    if (!decl || decl.getSourceFile() !== sf) continue;
    const others = [...(users.get(target) ?? [])].filter((f) => f !== sf.fileName);
    const local = (users.get(target) ?? new Set()).has(sf.fileName);
    const line = `${rel(sf.fileName)}:${sf.getLineAndCharacterOfPosition(decl.getStart()).line + 1} ${e.name}${local ? ' (used in its file)' : ''}`;
    // A barrel's re-export alone is not a use.
    const real = others.filter((f) => path.basename(f) !== 'index.ts' || barrelImported.has(f));
    if (real.length === 0) unused.push(line);
    else if (!testsCount && real.every(isTest)) testOnly.push(line);
  }
}
const section = (title, rows) => { console.log(`${title}: ${rows.length}`); for (const r of rows) console.log(`  ${r}`); };
section('barrels nothing imports', barrels);
section('exports nothing else uses', unused);
if (!testsCount) section('exports only tests or benchmarks use', testOnly);
