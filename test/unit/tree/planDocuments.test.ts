// Plan documents: the store forgets old and closed plans; the plan grammar marks headings and destructive steps;
// refusals read in the editor's words, not the CLI's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { renderPlan, type Plan } from '../../../src/core/ops/engine/plan';
import { editorWords } from '../../../src/extension/commands/editorWords';
import { PlanStore } from '../../../src/extension/plans/planStore';
import { repoRoot } from '../conf/paths';

test('PlanStore keeps at most its capacity, oldest dropped first, and forgets a closed document', () => {
  const store = new PlanStore(3);
  const paths = ['a', 'b', 'c', 'd'].map((n) => store.add(`promote-${n}`, `plan ${n}`));
  assert.equal(store.size, 3);
  assert.equal(store.get(paths[0] ?? ''), undefined, 'the oldest was pruned');
  assert.equal(store.get(paths[3] ?? ''), 'plan d');
  store.delete(paths[3] ?? '');
  assert.equal(store.get(paths[3] ?? ''), undefined);
  assert.equal(store.size, 2);
  assert.match(store.add('recover node/1 ../x', 't'), /^\/recover_node_1_.._x-5\.plan$/, 'names are made safe and unique');
  assert.match(store.add('current', 't', '.pgpool.conf'), /^\/current-6\.pgpool\.conf$/);
});

interface Rule { match?: string; name?: string; captures?: Record<string, { name: string }> }
const grammar = JSON.parse(readFileSync(path.join(repoRoot, 'syntaxes', 'pgpool-plan.tmLanguage.json'), 'utf8')) as { scopeName: string; repository: Record<string, Rule>; patterns: { include: string }[] };
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { contributes: { languages: { id: string }[]; grammars: { language: string; scopeName: string }[] } };

/** The first rule (in pattern order) whose regex matches the line, with its match. */
function ruleFor(line: string): [string, RegExpExecArray] | undefined {
  for (const p of grammar.patterns) {
    const key = p.include.slice(1);
    const m = new RegExp(grammar.repository[key]?.match ?? '(?!)').exec(line);
    if (m) return [key, m];
  }
  return undefined;
}

test('the plan language is contributed with its grammar', () => {
  assert.ok(pkg.contributes.languages.some((l) => l.id === 'pgpool-plan'));
  assert.equal(pkg.contributes.grammars.find((g) => g.language === 'pgpool-plan')?.scopeName, grammar.scopeName);
});

test('the grammar marks the heading, destructive steps, fields and warnings of a rendered plan', () => {
  const plan: Plan = {
    operation: 'recover', cluster: 'lab', node: 'node0', destructive: true, summary: 'Rebuild node0.',
    versions: { postgres: 15, pgpool: '4.3' }, warnings: ['node0 had 1 MB more WAL'],
    steps: [
      { id: 'stop', title: 'Stop node0', where: 'node0', why: 'it must not run', destructive: false, action: { kind: 'wait', ms: 0 } },
      { id: 'wipe', title: 'Move the data directory aside', where: 'node0', why: 'a fresh copy', destructive: true, action: { kind: 'wait', ms: 0 } },
    ],
    verify: [],
  } as unknown as Plan;
  const lines = renderPlan(plan).split('\n');
  const heading = ruleFor(lines[0] ?? '');
  assert.equal(heading?.[0], 'heading');
  assert.equal(heading?.[1][3]?.trim(), '[DESTRUCTIVE]');
  const kinds = lines.map((l) => ruleFor(l)?.[0]);
  assert.equal(kinds[lines.findIndex((l) => l.startsWith('1. '))], 'step');
  assert.equal(kinds[lines.findIndex((l) => l.startsWith('2. '))], 'destructiveStep', 'the destructive step gets its own scope');
  assert.equal(kinds[lines.findIndex((l) => l.startsWith('Warnings:'))], 'section');
  assert.equal(kinds[lines.findIndex((l) => l.trimStart().startsWith('! '))], 'warning');
  assert.equal(kinds[lines.findIndex((l) => l.trimStart().startsWith('why:'))], 'field');
  assert.match(grammar.repository.destructiveStep?.captures?.['3']?.name ?? '', /^invalid\.illegal/);
});

test('editorWords: CLI commands and flags become the editor\'s commands', () => {
  assert.equal(
    editorWords('node0 is reachable and still the primary: promoting node1 now would give the cluster two primaries. Use "switchover node1" (planned, no data loss) or promote with fencing (--fence) to stop node0 first.'),
    'node0 is reachable and still the primary: promoting node1 now would give the cluster two primaries. Use "Switch Over to Node" on node1 (planned, no data loss) or promote with fencing to stop node0 first.');
  assert.equal(editorWords('Recover it ("pgpool-cluster recover node2").'), 'Recover it ("Recover Node" on node2).');
  assert.equal(editorWords('then run "pgpool-cluster recover node0 --method rewind".'), 'then run "Recover Node" on node0 with the pg_rewind method.');
  assert.equal(editorWords('Node n has no dataDirectory in the cluster file; set it, or use --method pcp.'), 'Node n has no dataDirectory in the cluster file; set it, or choose the pcp_recovery_node method.');
  assert.equal(editorWords('Run "pgpool-cluster check" first.'), 'Run "Check Cluster" first.');
  assert.equal(editorWords('keep "recovery_target_timeline = \'latest\'"'), 'keep "recovery_target_timeline = \'latest\'"', 'other quoted text is left alone');
  assert.doesNotMatch(editorWords('Use "switchover node1" or --fence, or "pgpool-cluster attach node1".'), /--|pgpool-cluster /);
});
