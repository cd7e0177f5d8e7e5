import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseClusterFile } from '../../../src/core/inventory';
import { CLUSTER_FILE_TEMPLATE } from '../../../src/extension/commands/clusterFileTemplate';

test('the "Create Cluster File" template is a valid cluster file', () => {
  const r = parseClusterFile(CLUSTER_FILE_TEMPLATE, { baseDir: '/tmp' });
  assert.ok(r.ok, r.ok ? '' : r.errors.map((e) => `${e.line}:${e.column} ${e.message}`).join('\n'));
  assert.equal(r.value.clusters[0]?.nodes.length, 2);
  assert.doesNotMatch(CLUSTER_FILE_TEMPLATE, /^\s*password\s*:/im);
});
