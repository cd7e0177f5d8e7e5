// One rule for what a node offers: every contextValue the tree can produce, checked against the package.json
// menus and src/shared/nodeOperations.ts. A menu that offers more or less than the rule fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { NodeRole, NodeState, NodeStatus, ProblemCode } from '../../../src/core/status/model';
import { nodeContextValue } from '../../../src/extension/tree/nodePresentation';
import {
  applicableOperations, applicablePgpoolOperations, operationWhenClause, PGPOOL_OPERATION_COMMANDS, PGPOOL_OPERATIONS, pgpoolOperationWhenClause,
} from '../../../src/shared/nodeOperations';
import { pgpoolContextValue } from '../../../src/extension/tree/watchdogPresentation';
import type { PgpoolStatus } from '../../../src/core/status/model';
import { NODE_OPERATIONS, OPERATION_COMMANDS, type NodeOperation } from '../../../src/shared/protocol';
import { repoRoot } from '../conf/paths';
import { node } from './fixtures';

const VIEW = 'pgpoolCluster.clusters';
interface MenuItem { command: string; when?: string }
const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as { contributes: { menus: Record<string, MenuItem[]> } };
const itemMenus = pkg.contributes.menus['view/item/context'] ?? [];

/** Evaluates the subset of when-clause syntax the tree menus use: `view == X && viewItem =~ /re/`. */
function offered(item: MenuItem, contextValue: string): boolean {
  const m = /^view == (\S+) && viewItem =~ \/(.*)\/$/.exec(item.when ?? '');
  assert.ok(m, `unexpected when clause for ${item.command}: ${item.when}`);
  return m[1] === VIEW && new RegExp(m[2] ?? '').test(contextValue);
}

const ROLES: NodeRole[] = ['primary', 'standby', 'unknown'];
const STATES: NodeState[] = ['up', 'waiting', 'down', 'quarantine', 'unreachable'];
const PROBLEM_SETS: ProblemCode[][] = [[], ['false-primary'], ['split-brain'], ['not-streaming'], ['detached'], ['node-unreachable'], ['timeline-mismatch']];

function everyNode(): NodeStatus[] {
  const out: NodeStatus[] = [];
  for (const role of ROLES) for (const status of STATES) for (const detached of [false, true]) for (const reachable of [false, true]) {
    for (const problems of PROBLEM_SETS) out.push(node({ name: 'n', role, status, detached, problems, postgres: { reachable } }));
  }
  return out;
}

test('the tree menu entries of node operations are the generated clauses', () => {
  for (const op of NODE_OPERATIONS) {
    const entries = itemMenus.filter((i) => i.command === OPERATION_COMMANDS[op]);
    assert.equal(entries.length, 1, `one view/item/context entry for ${OPERATION_COMMANDS[op]}`);
    assert.equal(entries[0]?.when, operationWhenClause(VIEW, op), `${op}: package.json differs from operationWhenClause()`);
  }
});

test('for every node state the menus offer exactly what the rule says', () => {
  const nodes = everyNode();
  assert.ok(nodes.length > 400);
  for (const n of nodes) for (const wasPrimary of [false, true]) {
    const cv = nodeContextValue(n, wasPrimary);
    const fromMenus = NODE_OPERATIONS.filter((op) => itemMenus.some((i) => i.command === OPERATION_COMMANDS[op] && offered(i, cv)));
    assert.deepEqual(fromMenus, applicableOperations(n, { wasPrimary }), `contextValue ${cv}`);
  }
});

test('before the first refresh no operation is offered', () => {
  const cv = nodeContextValue(undefined);
  const operationCommands = new Set<string>(Object.values(OPERATION_COMMANDS));
  assert.deepEqual(itemMenus.filter((i) => operationCommands.has(i.command) && offered(i, cv)).map((i) => i.command), []);
});

const ops = (over: Partial<NodeStatus> & Pick<NodeStatus, 'role' | 'status'>): NodeOperation[] => applicableOperations(node({ name: 'n', ...over }));

test('the rule: what each kind of node is offered', () => {
  assert.deepEqual(ops({ role: 'standby', status: 'up' }), ['promote', 'switchover', 'detach']);
  assert.deepEqual(ops({ role: 'standby', status: 'waiting' }), ['promote', 'switchover', 'detach']);
  assert.deepEqual(ops({ role: 'primary', status: 'up' }), ['detach']);
  // A down standby whose PostgreSQL does not answer: recover only, attaching it would attach a dead server.
  assert.deepEqual(ops({ role: 'standby', status: 'down', postgres: { reachable: false } }), ['recover']);
  // A detached standby that runs: attach it back, or rebuild it; no promote while pgpool does not use it.
  assert.deepEqual(ops({ role: 'standby', status: 'down', detached: true, problems: ['detached'] }), ['recover', 'attach']);
  // A detached primary that is the only primary: attach, never recover (that would destroy the one primary).
  assert.deepEqual(ops({ role: 'primary', status: 'down', detached: true, problems: ['detached'] }), ['attach']);
  // A detached false primary (another node is the primary): recover, not attach.
  assert.deepEqual(ops({ role: 'primary', status: 'down', detached: true, problems: ['detached', 'false-primary'] }), ['recover', 'fence']);
  // A crashed former primary (PostgreSQL not running), whatever pgpool calls it: recover, never attach.
  assert.deepEqual(ops({ role: 'primary', status: 'down', postgres: { reachable: false }, problems: ['node-unreachable'] }), ['recover']);
  assert.deepEqual(ops({ role: 'unknown', status: 'unreachable', postgres: { reachable: false } }), ['recover']);
  // An attached false primary: recover it (after stopping it), detach it so pgpool stops using it, or fence it.
  assert.deepEqual(ops({ role: 'primary', status: 'up', problems: ['false-primary'] }), ['recover', 'detach', 'fence']);
  assert.deepEqual(ops({ role: 'primary', status: 'down', problems: ['split-brain'] }), ['recover', 'fence']);
  // A down former primary may come back writable: fence it (block it) as well as recover it; a down standby that never was primary: recover only.
  assert.deepEqual(applicableOperations(node({ name: 'n', role: 'standby', status: 'down', postgres: { reachable: false } }), { wasPrimary: true }), ['recover', 'fence']);
  assert.deepEqual(applicableOperations(node({ name: 'n', role: 'standby', status: 'down', postgres: { reachable: false } }), { wasPrimary: false }), ['recover']);
  // The one working primary is never offered a fence.
  assert.ok(!ops({ role: 'primary', status: 'up' }).includes('fence'));
  // A standby that does not stream may need rebuilding, and can still be promoted in an emergency.
  assert.deepEqual(ops({ role: 'standby', status: 'up', problems: ['not-streaming'] }), ['promote', 'switchover', 'recover', 'detach']);
});

// pgpool rows of a watchdog cluster: the same rule-for-menus, every watchdog role pgpool reports (and none).
const WATCHDOG_ROLES = [undefined, 'LEADER', 'STANDBY', 'STANDING FOR LEADER', 'JOINING', 'INITIALIZING', 'SHUTDOWN', 'LOST', 'DEAD', 'NO-CONTACT', 'NETWORK ISOLATION', 'OFF', 'UNKNOWN'];

function everyPgpool(): (PgpoolStatus | undefined)[] {
  const out: (PgpoolStatus | undefined)[] = [undefined];
  for (const role of WATCHDOG_ROLES) for (const reachable of [false, true]) for (const holdsVip of [undefined, false, true]) {
    out.push({ name: 'p', host: 'h', port: 9999, reachable, ...(role ? { watchdog: { role, ...(holdsVip !== undefined ? { holdsVip } : {}) } } : {}) });
  }
  return out;
}

test('the tree menu entries of pgpool operations are the generated clauses', () => {
  for (const op of PGPOOL_OPERATIONS) {
    const entries = itemMenus.filter((i) => i.command === PGPOOL_OPERATION_COMMANDS[op]);
    assert.equal(entries.length, 1, `one view/item/context entry for ${PGPOOL_OPERATION_COMMANDS[op]}`);
    assert.equal(entries[0]?.when, pgpoolOperationWhenClause(VIEW, op), `${op}: package.json differs from pgpoolOperationWhenClause()`);
  }
});

test('for every pgpool row state the menus offer exactly what the pgpool rule says, and no node operation', () => {
  const nodeCommands = new Set<string>(Object.values(OPERATION_COMMANDS));
  for (const p of everyPgpool()) {
    const cv = pgpoolContextValue(p);
    const fromMenus = PGPOOL_OPERATIONS.filter((op) => itemMenus.some((i) => i.command === PGPOOL_OPERATION_COMMANDS[op] && offered(i, cv)));
    assert.deepEqual(fromMenus, applicablePgpoolOperations(p), `contextValue ${cv}`);
    assert.deepEqual(itemMenus.filter((i) => nodeCommands.has(i.command) && offered(i, cv)).map((i) => i.command), [], `contextValue ${cv}`);
  }
  // And no node row is offered a pgpool operation.
  const pgpoolCommands = new Set<string>(Object.values(PGPOOL_OPERATION_COMMANDS));
  for (const n of everyNode()) {
    const cv = nodeContextValue(n, true);
    assert.deepEqual(itemMenus.filter((i) => pgpoolCommands.has(i.command) && offered(i, cv)).map((i) => i.command), [], `contextValue ${cv}`);
  }
});

test('the pgpool rule: stop a running member (the leader too), start a stopped or orphaned one, recover any; a lone pgpool nothing', () => {
  const p = (reachable: boolean, role?: string): PgpoolStatus => ({ name: 'p', host: 'h', port: 9999, reachable, ...(role ? { watchdog: { role } } : {}) });
  assert.deepEqual(applicablePgpoolOperations(p(true, 'LEADER')), ['stop', 'recover']);
  assert.deepEqual(applicablePgpoolOperations(p(true, 'STANDBY')), ['stop', 'recover']);
  assert.deepEqual(applicablePgpoolOperations(p(false, 'SHUTDOWN')), ['start', 'recover']);
  // Orphaned children of a killed parent still answer SQL while the watchdog reports it out.
  assert.deepEqual(applicablePgpoolOperations(p(true, 'LOST')), ['start', 'recover']);
  assert.deepEqual(applicablePgpoolOperations(p(true, 'JOINING')), ['recover']);
  assert.deepEqual(applicablePgpoolOperations(p(true)), []);
  assert.deepEqual(applicablePgpoolOperations(undefined), []);
});
