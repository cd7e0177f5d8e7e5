import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findPgpassPassword, parsePgpass } from '../../../src/core/db/pgpass';
import { pcpNodeInfo, PcpError } from '../../../src/core/db/pcp';
import type { ExecOptions, ExecResult, RemoteCommand, RemoteHost } from '../../../src/core/remote/types';
import { parseNodeState } from '../../../src/core/db/nodeQueries';

test('.pgpass: escapes, wildcards, first match wins', () => {
  const entries = parsePgpass('# c\n127.0.0.11:5432:*:postgres:pa\\:ss\\\\w\n*:*:*:postgres:fallback\nbad line\n');
  assert.equal(findPgpassPassword(entries, { host: '127.0.0.11', port: 5432, database: 'x', user: 'postgres' }), 'pa:ss\\w');
  assert.equal(findPgpassPassword(entries, { host: '127.0.0.12', port: 5432, database: 'x', user: 'postgres' }), 'fallback');
  assert.equal(findPgpassPassword(entries, { host: '127.0.0.12', port: 5432, database: 'x', user: 'other' }), undefined);
});

class FakeHost implements RemoteHost {
  readonly label = 'fake@pgpool';
  calls: { command: RemoteCommand; options?: ExecOptions }[] = [];
  constructor(private readonly reply: ExecResult) {}
  async exec(command: RemoteCommand, options?: ExecOptions): Promise<ExecResult> {
    this.calls.push({ command, ...(options ? { options } : {}) });
    return this.reply;
  }
  async readFile(): Promise<Buffer> { return Buffer.alloc(0); }
  async writeFile(): Promise<void> { /* unused */ }
}

test('pcp: password file travels as PCPPASSFILE env, -w never prompts, no password in argv', async () => {
  const host = new FakeHost({ code: 0, signal: null, stdout: 'Hostname : h\nPort : 5432\nStatus Name : up\nRole : primary\n', stderr: '' });
  const v = await pcpNodeInfo({ remote: host, host: '127.0.0.10', port: 9898, user: 'pcpadmin', passFile: '/lab/pcppass', binDir: '/usr/sbin' }, 0);
  assert.equal(v.role, 'primary');
  const call = host.calls[0]!;
  // The remote side gets its own time limit (timeout -k) so a stuck pcp tool never outlives the call.
  assert.deepEqual(call.command, ['env', 'PCPPASSFILE=/lab/pcppass', 'timeout', '-k', '5', '10', '/usr/sbin/pcp_node_info', '-h', '127.0.0.10', '-p', '9898', '-U', 'pcpadmin', '-w', '--verbose', '-n', '0']);
  assert.ok(!(call.command as string[]).some((a) => a.startsWith('-W')), 'no password in argv');

});

test('pcp: failures say what to do', async () => {
  const host = new FakeHost({ code: 1, signal: null, stdout: '', stderr: 'ERROR: authentication failed for user "pcpadmin"' });
  await assert.rejects(pcpNodeInfo({ remote: host, host: 'h', port: 9898 }, 0), (e: PcpError) => /\.pcppass/.test(e.message));
  const missing = new FakeHost({ code: 127, signal: null, stdout: '', stderr: 'sh: pcp_node_info: not found' });
  await assert.rejects(pcpNodeInfo({ remote: missing, host: 'h', port: 9898 }, 0), /binDir/);
});

test('node state row: standby timeline from the WAL receiver, app name from conninfo', () => {
  const v = parseNodeState({
    version_num: 150018, in_recovery: true, cluster_name: '', current_lsn: null, insert_tli: null, checkpoint_tli: 1,
    receive_lsn: '0/3000148', replay_lsn: '0/3000148', replay_age: 2.5,
    wal_receiver: { status: 'streaming', received_tli: 2, sender_host: '127.0.0.11', sender_port: 5432, conninfo: "user=replicator application_name='node 1' host=127.0.0.11" },
    replication: [],
  });
  assert.deepEqual([v.inRecovery, v.timeline, v.walReceiver?.applicationName, v.walReceiver?.senderHost, v.replayAgeSeconds], [true, 2, 'node 1', '127.0.0.11', 2.5]);
  const p = parseNodeState({ version_num: '150018', in_recovery: false, cluster_name: 'x', current_lsn: '0/5', insert_tli: 3, checkpoint_tli: 2, receive_lsn: null, replay_lsn: null, replay_age: null, wal_receiver: null,
    replication: [{ application_name: 'node1', client_addr: '127.0.0.1', state: 'streaming', sync_state: 'async', replay_lsn: '0/5', replay_lag: null }] });
  assert.deepEqual([p.inRecovery, p.timeline, p.replication[0]?.state, p.replication[0]?.replayLagSeconds], [false, 3, 'streaming', undefined]);
});
