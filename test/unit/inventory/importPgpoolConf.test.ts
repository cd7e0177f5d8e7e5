import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importedYaml, importFromPgpoolConf, pgpoolHostFromConf, scanConfLines, withDataDirectories, withProbedVersions, type ImportResult } from '../../../src/core/inventory/importPgpoolConf';
import { parseClusterFile } from '../../../src/core/inventory/parseClusterFile';

function ok(r: ImportResult): Extract<ImportResult, { ok: true }> {
  if (!r.ok) assert.fail(r.reason);
  return r;
}

const conf = `
# a pgpool.conf excerpt
listen_addresses = '127.0.0.40'
port = 9999
pcp_port = 9898
sr_check_user = 'monitor'
backend_hostname0 = '127.0.0.11'   # primary
backend_port0 = 5432
backend_data_directory0 = '/var/lib/pg/node0'
backend_application_name0 = 'node0'
backend_hostname1 = '127.0.0.12'
backend_port1 = 5433
backend_data_directory1 = '/var/lib/pg/it''s here'
#backend_hostname2 = 'commented'
backend_hostname3 = 'db3.example'
`;

test('backend_* lines become nodes with ids, ports and data directories', () => {
  const r = ok(importFromPgpoolConf(conf, { clusterName: 'prod', pgpoolHost: '127.0.0.10' }));
  assert.deepEqual(r.cluster.nodes.map((n) => [n.id, n.name, n.host, n.port, n.dataDirectory]), [
    [0, 'node0', '127.0.0.11', 5432, '/var/lib/pg/node0'],
    [1, 'node1', '127.0.0.12', 5433, "/var/lib/pg/it's here"],
    [3, 'node3', 'db3.example', 5432, undefined],
  ]);
  assert.equal(r.cluster.pgpool[0]!.host, '127.0.0.10');
  assert.equal(r.cluster.database.user, 'monitor');
  assert.deepEqual(r.warnings, []);
});

test('the generated YAML parses back to the same cluster', () => {
  const r = ok(importFromPgpoolConf(conf, { clusterName: 'prod' }));
  const back = parseClusterFile(r.yaml);
  assert.ok(back.ok, JSON.stringify(!back.ok && back.errors));
  assert.deepEqual(back.value.clusters[0]!.nodes.map((n) => n.host), ['127.0.0.11', '127.0.0.12', 'db3.example']);
});

test('scanner: comments, quotes, escapes and last-wins', () => {
  const m = scanConfLines("a = 1 # c\nb = 'x # not comment'\nc='it\\'s'\na = 2\n");
  assert.equal(m.get('a')?.value, '2');
  assert.equal(m.get('b')?.value, 'x # not comment');
  assert.equal(m.get('c')?.value, "it's");
});

test('no backends gives a warning, not a crash', () => {
  assert.match(ok(importFromPgpoolConf('port = 1\n', { pgpoolHost: 'pg' })).warnings[0]!, /No backend_hostname/);
});

test('the pgpool host comes from listen_addresses when it names one address; otherwise the caller must say', () => {
  const r = ok(importFromPgpoolConf(conf));
  assert.equal(r.cluster.pgpool[0]!.host, '127.0.0.40');
  assert.deepEqual(pgpoolHostFromConf("listen_addresses = 'db.example'\n"), { host: 'db.example', candidates: ['db.example'], listen: 'db.example' });
  for (const listen of ['*', '10.0.0.1,10.0.0.2', 'localhost', '']) {
    const text = conf.replace("'127.0.0.40'", `'${listen}'`);
    const refused = importFromPgpoolConf(text);
    assert.equal(refused.ok, false, listen);
    if (!refused.ok) assert.match(refused.reason, /does not name one address .* say which host pgpool runs on/);
    assert.equal(ok(importFromPgpoolConf(text, { pgpoolHost: 'pool.example' })).cluster.pgpool[0]!.host, 'pool.example');
  }
  const two = importFromPgpoolConf(conf.replace("'127.0.0.40'", "'10.0.0.1, 10.0.0.2'"));
  assert.deepEqual(!two.ok && two.candidates, ['10.0.0.1', '10.0.0.2']);
  // pgpool's default listen_addresses is localhost: not an address the workstation reaches pgpool at.
  assert.equal(importFromPgpoolConf('backend_hostname0 = \'h\'\n').ok, false);
});

test('no configFile (the local copy is a workstation path); an ssh section that sets nothing, the usual settings commented', () => {
  const r = ok(importFromPgpoolConf(conf, { sshDefaults: { user: 'alice', identityFile: '~/.ssh/id_rsa' } }));
  assert.doesNotMatch(r.yaml, /configFile/);
  assert.match(r.yaml, /^ {4}ssh: \{\} {3}# nothing set: ~\/\.ssh\/config, ssh-agent and your login name decide$/m);
  assert.match(r.yaml, /^ {4}# {3}user: alice$/m);
  assert.match(r.yaml, /^ {4}# {3}identityFile: ~\/\.ssh\/id_rsa$/m);
  const back = parseClusterFile(r.yaml);
  assert.ok(back.ok, JSON.stringify(!back.ok && back.errors));
  const c = back.value.clusters[0]!;
  assert.deepEqual(c.ssh, {});
  assert.deepEqual(c.pgpool.map((p) => [p.host, p.port, p.pcpPort, p.configFile]), [['127.0.0.40', 9999, 9898, undefined]]);
  assert.deepEqual(c.nodes.map((n) => [n.id, n.name, n.host, n.port, n.dataDirectory]), r.cluster.nodes.map((n) => [n.id, n.name, n.host, n.port, n.dataDirectory]));
});

test('versions the hosts report fill postgresVersion/pgpoolVersion and the file still loads', () => {
  const r = ok(importFromPgpoolConf(conf));
  const probed = withProbedVersions(r.cluster, { pgpool: '4.3.5 (tamahomeboshi)', postgresVersionNum: 150018 });
  assert.equal(probed.pgpoolVersion, '4.3');
  assert.equal(probed.postgresVersion, '15');
  assert.equal(withProbedVersions(r.cluster, { postgresVersionNum: 90624 }).postgresVersion, '9.6');
  assert.equal(withProbedVersions({ ...r.cluster, pgpoolVersion: '4.2' }, { pgpool: '4.3.5' }).pgpoolVersion, '4.2', 'the file wins');
  const back = parseClusterFile(importedYaml(probed));
  assert.ok(back.ok, JSON.stringify(!back.ok && back.errors));
  assert.deepEqual([back.value.clusters[0]!.pgpoolVersion, back.value.clusters[0]!.postgresVersion], ['4.3', '15']);
});

test('data directories the servers report fill only nodes the file gives none for', () => {
  const r = ok(importFromPgpoolConf(conf));
  const filled = withDataDirectories(r.cluster, new Map([['node0', '/elsewhere'], ['node3', '/srv/node3'], ['node1', 'relative']]));
  assert.deepEqual(filled.nodes.map((n) => n.dataDirectory), ['/var/lib/pg/node0', "/var/lib/pg/it's here", '/srv/node3']);
});

test('a backend_application_name that is not a valid node name becomes nodeN, with a warning', () => {
  const r = ok(importFromPgpoolConf("listen_addresses = '10.0.0.1'\nbackend_hostname0 = 'db0'\nbackend_application_name0 = 'server one'\nbackend_hostname1 = 'db1'\nbackend_application_name1 = 'db1'\n"));
  assert.ok(parseClusterFile(r.yaml).ok, 'the imported file loads');
  assert.deepEqual(r.cluster.nodes.map((n) => n.name), ['node0', 'db1']);
  assert.ok(r.warnings.some((w) => /backend_application_name0 = 'server one' is not a valid node name; named the node node0/.test(w)), r.warnings.join('\n'));
});
