import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  completionsAt, crossCheck, detectVersions, documentSymbols, estimateFailoverDetection, hoverAt, migrateRecoveryConf, parseConf, lintDocument,
} from '../../../src/core/conf';
import { PgpoolModel } from '../../../src/core/conf/pgpoolModel';
import { fixturesDir } from './paths';

test('version comment wins over options; options win over the default', () => {
  const v = detectVersions('# pgpool-cluster: pgpool=4.3.5 postgresql=15\nport = 1', '4.1', '12');
  assert.equal(v.pgpool, '4.3');
  assert.equal(v.postgres, 15);
  assert.equal(v.pgpoolSource, 'file');
  const o = detectVersions('port = 1', '4.1', '9.6');
  assert.deepEqual([o.pgpool, o.postgres, o.pgpoolSource], ['4.1', 9.6, 'option']);
  const d = detectVersions('port = 1');
  assert.deepEqual([d.pgpool, d.postgres, d.pgpoolSource], ['4.7', 17, 'default']);
  assert.equal(detectVersions('# pgpool-cluster: pgpool=banana').problems[0]?.code, 'conf/bad-version-directive');
});

test('the same file is judged by its target version', () => {
  const text = 'follow_master_command = \'/bin/true\'\n';
  assert.equal(lintDocument(text, { languageId: 'pgpool-conf', pgpoolVersion: '4.1' }).length, 0);
  assert.equal(lintDocument(text, { languageId: 'pgpool-conf', pgpoolVersion: '4.2' })[0]?.code, 'pgpool/renamed-parameter');
});

test('hover on a parameter shows type, default, range, context and the effective value when duplicated', () => {
  const text = 'health_check_period = 5\nhealth_check_period = 10\n';
  const h = hoverAt(text, { line: 0, character: 3 }, { languageId: 'pgpool-conf', pgpoolVersion: '4.7' });
  assert.ok(h);
  assert.match(h.contents, /health_check_period/);
  assert.match(h.contents, /default: `0`/);
  assert.match(h.contents, /range: 0 \.\./);
  assert.match(h.contents, /reload/);
  assert.match(h.contents, /effective value: `10` \(line 2\)/);
  assert.match(h.contents, /Health check/);
});

test('hover on a placeholder explains it', () => {
  const text = "failover_command = '/x.sh %d %N'";
  const at = text.indexOf('%N') + 1;
  const h = hoverAt(text, { line: 0, character: at }, { languageId: 'pgpool-conf' });
  assert.ok(h);
  assert.match(h.contents, /old primary/);
  assert.equal(h.range.start.character, text.indexOf('%N'));
});

test('hover in postgresql.conf and recovery.conf', () => {
  const pg = hoverAt('wal_keep_size = 1GB', { line: 0, character: 2 }, { languageId: 'postgresql-conf', postgresVersion: '15' });
  assert.match(pg?.contents ?? '', /unit MB/);
  const rc = hoverAt("standby_mode = 'on'", { line: 0, character: 2 }, { languageId: 'recovery-conf', postgresVersion: '11' });
  assert.match(rc?.contents ?? '', /standby\.signal/);
});

test('completion offers names with snippets, enum values and placeholders', () => {
  const names = completionsAt('heal', { line: 0, character: 4 }, { languageId: 'pgpool-conf' });
  const hcp = names.find((c) => c.label === 'health_check_period');
  assert.ok(hcp);
  assert.equal(hcp.snippet, true);
  assert.match(hcp.insertText, /^health_check_period = \$\{1:0\}$/);
  const values = completionsAt('backend_clustering_mode = ', { line: 0, character: 26 }, { languageId: 'pgpool-conf' });
  assert.ok(values.some((c) => c.label === 'streaming_replication'));
  assert.ok(!values.some((c) => c.label === 'slony'), 'slony was retired in 4.7');
  const bools = completionsAt('load_balance_mode = ', { line: 0, character: 20 }, { languageId: 'pgpool-conf' });
  assert.deepEqual(bools.map((c) => c.label).sort(), ['off', 'on']);
  const ph41 = completionsAt("failover_command = '/x.sh %", { line: 0, character: 28 }, { languageId: 'pgpool-conf', pgpoolVersion: '4.1' });
  assert.ok(ph41.some((c) => c.label === '%N'));
  const ph40 = completionsAt("failover_command = '/x.sh %", { line: 0, character: 28 }, { languageId: 'pgpool-conf', pgpoolVersion: '4.0' });
  assert.ok(!ph40.some((c) => c.label === '%N'));
  const hba = completionsAt('host all all 10.0.0.0/8 ', { line: 0, character: 24 }, { languageId: 'pg-hba-conf' });
  assert.ok(hba.some((c) => c.label === 'scram-sha-256'));
});

test('document symbols group backends by index and follow sample sections', () => {
  const text = readFileSync(path.join(fixturesDir, 'samples', 'pgpool2-V4_7_2-pgpool.conf.sample-stream'), 'utf8');
  const extra = `${text}\nbackend_hostname0 = 'db1'\nbackend_port0 = 5432\nbackend_hostname1 = 'db2'\nbackend_port1 = 5433\n`;
  const symbols = documentSymbols(extra, { languageId: 'pgpool-conf' });
  const backends = symbols.filter((s) => s.kind === 'backend');
  assert.deepEqual(backends.map((b) => [b.name, b.detail, b.children.length]), [['Backend 0', 'db1:5432', 2], ['Backend 1', 'db2:5433', 2]]);
  assert.ok(symbols.some((s) => s.kind === 'section' && /CLUSTERING MODE/.test(s.name)));
  for (const s of symbols) for (const c of s.children) assert.ok(c.range.start.line >= s.range.start.line && c.range.end.line <= s.range.end.line);
});

test('failover detection estimate follows period, timeouts, retries and delay', () => {
  const doc = parseConf('health_check_period = 10\nhealth_check_timeout = 20\nconnect_timeout = 5000\nhealth_check_max_retries = 2\nhealth_check_retry_delay = 3\n', 'pgpool');
  const e = estimateFailoverDetection(new PgpoolModel(doc, '4.7'));
  assert.equal(e.attemptMs, 5000);
  assert.equal(e.worstCaseMs, 10000 + 3 * 5000 + 2 * 3000);
  assert.equal(e.bestCaseMs, 6000);
  assert.equal(e.enabled, true);
  const off = estimateFailoverDetection(new PgpoolModel(parseConf('', 'pgpool'), '4.7'));
  assert.equal(off.enabled, false);
  assert.match(off.summary, /off/);
  const perNode = estimateFailoverDetection(new PgpoolModel(parseConf('health_check_period = 10\nhealth_check_period1 = 30\n', 'pgpool'), '4.7'), 1);
  assert.equal(perNode.periodS, 30);
});

test('recovery.conf migration writes GUCs and picks the signal file', () => {
  const text = "standby_mode = 'on'\nprimary_conninfo = 'host=db1 user=repl password=it''s'\ntrigger_file = '/tmp/t'\n";
  const m15 = migrateRecoveryConf(text, 15);
  assert.equal(m15.signalFile, 'standby.signal');
  assert.match(m15.autoConf, /^primary_conninfo = 'host=db1 user=repl password=it''s'$/m);
  assert.match(m15.autoConf, /^promote_trigger_file = '\/tmp\/t'$/m);
  assert.doesNotMatch(m15.autoConf, /standby_mode/);
  const m16 = migrateRecoveryConf(text, 16);
  assert.doesNotMatch(m16.autoConf, /promote_trigger_file/);
  assert.ok(m16.notes.some((n) => /pg_promote/.test(n)));
  // The migrated text is itself valid postgresql.conf for that version.
  assert.deepEqual(lintDocument(m15.autoConf, { languageId: 'postgresql-conf', postgresVersion: '15' }).filter((d) => d.severity === 'error'), []);
  const pitr = migrateRecoveryConf("restore_command = 'cp /a/%f %p'\nrecovery_target_time = '2024-01-01'\n", 14);
  assert.equal(pitr.signalFile, 'recovery.signal');
});

test('cross-file checks find contradictions between pgpool.conf, postgresql.conf and pg_hba.conf', () => {
  const files = ['pgpool.conf', 'postgresql.conf', 'pg_hba.conf'].map((f) => ({
    fileName: f, languageId: (f === 'pgpool.conf' ? 'pgpool-conf' : f === 'pg_hba.conf' ? 'pg-hba-conf' : 'postgresql-conf') as 'pgpool-conf',
    text: readFileSync(path.join(fixturesDir, 'crossfile', f), 'utf8'),
  }));
  const out = crossCheck(files);
  const codes = (f: string): string[] => (out.get(f) ?? []).map((d) => d.code).sort();
  assert.deepEqual(codes('postgresql.conf'), ['cross/hot-standby-off', 'cross/max-wal-senders-too-low', 'cross/wal-level-minimal']);
  const hba = out.get('pg_hba.conf') ?? [];
  assert.equal(hba.length, 1, 'only 10.0.0.13 lacks a replication entry');
  assert.match(hba[0]?.message ?? '', /10\.0\.0\.13/);
  assert.equal(out.has('pgpool.conf'), false);
});

test('quick fixes edit only what they say', () => {
  const text = 'listen_adresses = \'*\'\n';
  const d = lintDocument(text, { languageId: 'pgpool-conf' })[0];
  const edit = d?.fixes?.[0]?.edits[0];
  assert.ok(edit);
  const fixed = text.slice(0, edit.range.start.character) + edit.newText + text.slice(edit.range.end.character);
  assert.equal(fixed, "listen_addresses = '*'\n");
  assert.deepEqual(lintDocument(fixed, { languageId: 'pgpool-conf' }).filter((x) => x.code === 'pgpool/unknown-parameter'), []);
});
