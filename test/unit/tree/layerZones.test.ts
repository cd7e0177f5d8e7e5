// The ESLint layer zones (eslint.config.mjs) refuse an import across a zone: a core layer reaching up, the webview
// or src/shared reaching into core. Linted as the real config does, on text given for existing files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { repoRoot } from '../conf/paths';

interface LintResult { messages: { ruleId: string | null; message: string }[] }
interface ESLintLike { lintText(text: string, options: { filePath: string }): Promise<LintResult[]> }

// Under CI=true typescript-eslint infers a single run and parses files from disk, ignoring the text given here.
process.env.TSESTREE_SINGLE_RUN = 'false';

async function restrictedImports(file: string, text: string): Promise<string[]> {
  // eslint is an ES module; this test file compiles to CommonJS.
  const { ESLint } = await (new Function('m', 'return import(m)') as (m: string) => Promise<{ ESLint: new (o: { cwd: string }) => ESLintLike }>)('eslint');
  const [result] = await new ESLint({ cwd: repoRoot }).lintText(text, { filePath: file });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

test('a core layer may not import a layer above it; an allowed import passes', async () => {
  assert.match((await restrictedImports('src/core/db/lsn.ts', "import type { ClusterStatus } from '../status/model';\nexport type X = ClusterStatus;\n"))[0] ?? '', /src\/core\/db may import only/);
  assert.match((await restrictedImports('src/core/conf/types.ts', "import type { Plan } from '../ops/plan';\nexport type X = Plan;\n"))[0] ?? '', /src\/core\/conf may import only its own folder/);
  assert.deepEqual(await restrictedImports('src/core/ops/engine/plan.ts', "import type { ClusterStatus } from '../../status/model';\nexport type X = ClusterStatus;\n"), []);
});

test('the webview and src/shared stay out of core; core and shared never import vscode', async () => {
  assert.match((await restrictedImports('webview/render.ts', "import type { NodeStatus } from '../src/core/status/model';\nexport type X = NodeStatus;\n"))[0] ?? '', /webview bundle imports only src\/shared/);
  assert.match((await restrictedImports('src/shared/format.ts', "import type { ClusterStatus } from '../core/status/model';\nexport type X = ClusterStatus;\n"))[0] ?? '', /src\/shared holds types/);
  assert.match((await restrictedImports('src/shared/format.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n"))[0] ?? '', /Only src\/extension/);
  assert.match((await restrictedImports('src/core/status/merge.ts', "import * as vscode from 'vscode';\nexport const x = vscode;\n"))[0] ?? '', /Only src\/extension/);
});
