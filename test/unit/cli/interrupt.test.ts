import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installInterrupts, stillRunningText } from '../../../src/cli/interrupt';
import type { PlanStep } from '../../../src/core/ops/engine/plan';

const step: PlanStep = {
  id: 'rewind-node0', title: 'pg_rewind node0 from node1', why: 'w', destructive: true, onFailure: 'f',
  action: { kind: 'ssh', host: 'node0', argv: ['pg_rewind', '-D', '/data dir'] },
};

test('the first Ctrl-C cancels, the second exits at once naming what may still run and where', () => {
  const out: string[] = [];
  const exits: number[] = [];
  const ints = installInterrupts((t) => out.push(t), undefined, (c) => exits.push(c));
  try {
    ints.onEvent({ type: 'step-start', index: 4, total: 9, step });
    process.emit('SIGINT');
    assert.equal(ints.signal.aborted, true);
    assert.deepEqual(exits, []);
    assert.match(out.join(''), /Ctrl-C again to exit at once/);
    process.emit('SIGINT');
    assert.deepEqual(exits, [130]);
    assert.match(out.at(-1) ?? '', /Step 5 \(pg_rewind node0 from node1\) may still be running on node0: pg_rewind -D '\/data dir'/);
  } finally {
    ints.dispose();
  }
});

test('between steps nothing is said to be running', () => {
  assert.match(stillRunningText(undefined), /No step was running/);
  const out: string[] = [];
  const ints = installInterrupts((t) => out.push(t), undefined, () => undefined);
  try {
    ints.onEvent({ type: 'step-start', index: 0, total: 1, step });
    ints.onEvent({ type: 'step-done', index: 0, step, ms: 1 });
    process.emit('SIGINT');
    process.emit('SIGINT');
    assert.match(out.at(-1) ?? '', /No step was running/);
  } finally {
    ints.dispose();
  }
});
