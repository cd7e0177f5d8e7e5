/** The SSH-hop check reads how pgpool's scripts connect and tests the hop that way, or says it cannot know. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scriptHopArgv, scriptSsh } from '../../../src/core/ops/preflight/scriptSsh';

const PGPOOL_SAMPLE = `#!/bin/bash
# A follow_primary.sh after pgpool's sample
set -o xtrace
POSTGRESQL_STARTUP_USER=postgres
SSH_KEY_FILE=id_rsa_pgpool
SSH_OPTIONS="-o StrictHostKeyChecking=no"
ssh -T -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -i ~/.ssh/\${SSH_KEY_FILE} \${POSTGRESQL_STARTUP_USER}@\${NODE_HOST} ls /tmp > /dev/null
`;

test('pgpool\'s sample: -i ~/.ssh/$SSH_KEY_FILE and $POSTGRESQL_STARTUP_USER@host are resolved from the script', () => {
  const r = scriptSsh(PGPOOL_SAMPLE);
  assert.equal(r.kind, 'ssh');
  if (r.kind === 'ssh') {
    assert.equal(r.line, 7);
    assert.deepEqual(r.ssh, { identityFile: '~/.ssh/id_rsa_pgpool', user: 'postgres', options: ['StrictHostKeyChecking=no', 'UserKnownHostsFile=/dev/null'] });
  }
});

test('ssh -F config, -l user, -p port, bash arrays; a script without ssh; run-time values are "cannot know"', () => {
  const f = scriptSsh('CFG=/etc/pgpool2/ssh_config\nssh -F "$CFG" -l pgadmin -p 2022 "$host" true\n');
  assert.deepEqual(f.kind === 'ssh' && f.ssh, { configFile: '/etc/pgpool2/ssh_config', user: 'pgadmin', port: 2022, options: [] });
  const arr = scriptSsh('U=postgres\nOPTS=(-T -o BatchMode=yes -p 2222 -i /k/id)\non() { ssh "${OPTS[@]}" "$U@$1" x; }\n');
  assert.deepEqual(arr.kind === 'ssh' && arr.ssh, { identityFile: '/k/id', user: 'postgres', port: 2222, options: ['BatchMode=yes'] });
  assert.deepEqual(scriptSsh('#!/bin/sh\npg_ctl promote -D "$1"\n# ssh is mentioned only in a comment\n'), { kind: 'none' });
  const runtime = scriptSsh('KEY=$(cat /etc/keyname)\nssh -i "$KEY" postgres@h true\n');
  assert.equal(runtime.kind, 'unknown');
  if (runtime.kind === 'unknown') assert.match(runtime.why, /-i \$KEY is built at run time/);
  assert.equal(scriptSsh('ssh "$1"@host true\n').kind, 'unknown');
  assert.equal(scriptSsh('ssh "${DYN[@]}" h true\n').kind, 'unknown');
});

test('the hop is tested as the script does it: its config, key (~ under the source user\'s home), user; BatchMode added', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scriptssh-'));
  try {
    // A stand-in for ssh on the source host's PATH that prints the arguments it got, one per line.
    writeFileSync(path.join(dir, 'ssh'), '#!/bin/sh\nfor a; do printf "%s\\n" "$a"; done\n');
    chmodSync(path.join(dir, 'ssh'), 0o755);
    const run = (argv: string[]): string[] => execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { PATH: `${dir}:/usr/bin:/bin`, HOME: '/var/lib/postgresql' } }).trim().split('\n');
    const withConfig = run(scriptHopArgv({ configFile: '~/.ssh/pgpool_config', identityFile: '/k/id', options: ['StrictHostKeyChecking=no'] }, 'db1', 'postgres', 22));
    assert.deepEqual(withConfig, ['-F', '/var/lib/postgresql/.ssh/pgpool_config', '-i', '/k/id', '-T', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-o', 'StrictHostKeyChecking=no', 'db1', '--', 'true'],
      'with -F the config decides user and port');
    const plain = run(scriptHopArgv({ user: 'pgadmin', options: [] }, 'db1', 'postgres', 2222));
    assert.deepEqual(plain, ['-T', '-o', 'BatchMode=yes', '-o', 'ConnectTimeout=5', '-p', '2222', '-l', 'pgadmin', 'db1', '--', 'true']);
    const hostile = run(scriptHopArgv({ identityFile: '/k/$(touch x)', options: [] }, 'db1', 'postgres', 22));
    assert.deepEqual(hostile.slice(0, 2), ['-i', '/k/$(touch x)']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
