import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { lintDocument } from '../../../src/core/conf';
import { fixturesDir } from './paths';

const samples: [string, string][] = [
  ['pgpool2-V4_1_0-pgpool.conf.sample-stream', '4.1'],
  ['pgpool2-V4_7_2-pgpool.conf.sample-stream', '4.7'],
];

for (const [file, version] of samples) {
  const text = readFileSync(path.join(fixturesDir, 'samples', file), 'utf8');

  test(`pgpool's own ${file} gives no errors or warnings on ${version}`, () => {
    const diags = lintDocument(text, { languageId: 'pgpool-conf', pgpoolVersion: version });
    const serious = diags.filter((d) => d.severity === 'error' || d.severity === 'warning');
    assert.deepEqual(serious.map((d) => `${d.range.start.line + 1} ${d.code}`), []);
  });

  test(`${file} with every commented default uncommented passes type/range/enum checks on ${version}`, () => {
    const uncommented = text.replace(/^#([a-z_]+\d* = )/gm, '$1');
    assert.notEqual(uncommented, text);
    const errors = lintDocument(uncommented, { languageId: 'pgpool-conf', pgpoolVersion: version }).filter((d) => d.severity === 'error');
    const lines = uncommented.split('\n');
    // The only known exception (pgpool-params-structure.md): the 4.7.1+ sample shows wd_listen_port = 0, below its minimum 1024.
    // Uncommenting the sample also uncomments heartbeat_port1/2 beside empty heartbeat_hostname1/2, which pgpool
    // 4.3.5 refuses ("heartbeat_hostname1 is not defined"), like wd_listen_port = 0.
    const allowed = errors.filter((d) => !(lines[d.range.start.line] ?? '').startsWith('wd_listen_port = 0') && d.code !== 'pgpool/heartbeat-without-hostname');
    assert.deepEqual(allowed.map((d) => `${d.range.start.line + 1} ${d.code}: ${d.message}`), []);
    if (version === '4.7') {
      assert.deepEqual(errors.map((d) => d.code).sort(),
        ['pgpool/heartbeat-without-hostname', 'pgpool/heartbeat-without-hostname', 'pgpool/value-out-of-range'],
        'wd_listen_port = 0 is out of range; heartbeat_port1/2 lack their heartbeat_hostname');
    }
  });
}

test('the 4.7 sample on 4.1 reports the names 4.1 does not know', () => {
  const text = readFileSync(path.join(fixturesDir, 'samples', 'pgpool2-V4_7_2-pgpool.conf.sample-stream'), 'utf8');
  const diags = lintDocument(text, { languageId: 'pgpool-conf', pgpoolVersion: '4.1' });
  assert.ok(diags.some((d) => d.code === 'pgpool/parameter-not-in-version' && d.message.startsWith('backend_clustering_mode')));
});
