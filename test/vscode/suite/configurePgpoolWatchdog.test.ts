// "Configure pgpool" on a watchdog cluster through the contributed command, the user's answers given by the test:
// it asks which pgpool node (the CLI's --pgpool) and the VIP (--vip, validated as the user types), then wd_authkey
// as a secret. The cluster's hosts are unused loopback addresses on port 1, so every connection is refused at once and
// the command must end with a sentence, not a stack trace. The real deploy is covered against the watchdog lab.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import { answerDialogs, type Prompt } from './dialogs';
import { activatedExtension } from './extension';

const SETTING = 'clusterFiles';
const CLUSTER = 'wdcfg';
const HOSTS = ['127.77.0.10', '127.77.0.20', '127.77.0.30'];
const CLUSTER_FILE = `version: 1
clusters:
  - name: ${CLUSTER}
    pgpoolVersion: "4.3"
    ssh: { user: postgres, port: 1 }
    database: { user: postgres }
    pgpool:
${HOSTS.map((h, i) => `      - { name: pgpool${i}, host: ${h}, port: 1, pcpPort: 1 }`).join('\n')}
    nodes:
${[0, 1].map((i) => `      - { name: node${i}, id: ${i}, host: 127.77.0.1${i + 1}, port: 1, dataDirectory: /var/lib/postgresql/15/main }`).join('\n')}
`;

const describe = (ps: Prompt[]): string => ps.map((p) => `${p.kind}${p.password ? ' (password)' : ''}: ${p.message} [${p.items.join(' | ')}]`).join('\n');

suite('Configure pgpool on a watchdog cluster (hosts refuse)', function () {
  this.timeout(60_000);
  let dir = '';
  let before: string[] | undefined;

  suiteSetup(async () => {
    await activatedExtension();
    dir = mkdtempSync(join(tmpdir(), 'wd-configure-'));
    const file = join(dir, 'pgpool-cluster.yaml');
    writeFileSync(file, CLUSTER_FILE);
    const config = vscode.workspace.getConfiguration('pgpoolCluster');
    before = config.inspect<string[]>(SETTING)?.globalValue;
    await config.update(SETTING, [...(before ?? []), file], vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('pgpoolCluster.refresh');
  });

  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('pgpoolCluster').update(SETTING, before, vscode.ConfigurationTarget.Global);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('asks for the pgpool node, then the VIP (a wrong one is refused as typed), then wd_authkey as a secret; ends with a sentence', async () => {
    const validation: (string | undefined)[] = [];
    const dialogs = answerDialogs(
      (p) => (p.kind !== 'quickPick' ? undefined : p.message.startsWith(`pgpool node of ${CLUSTER}`) ? 'pgpool1' : p.message === 'Failure detection profile' ? 'fast' : undefined),
      async (options) => {
        if (!options.title?.startsWith('Virtual IP')) return undefined; // secrets: Escape (keep the files' values)
        for (const typed of ['10.213.12', '127.77.0.20', '224.0.0.5', '127.77.0.100']) validation.push(await options.validateInput?.(typed) as string | undefined);
        return '127.77.0.100';
      },
    );
    try {
      await vscode.commands.executeCommand('pgpoolCluster.configurePgpool', { cluster: CLUSTER });
    } finally {
      dialogs.restore();
    }
    const ps = dialogs.prompts;
    const seen = describe(ps);
    assert.deepEqual(ps[0]?.kind, 'quickPick', seen);
    assert.deepEqual(ps[0]?.items, ['pgpool0', 'pgpool1', 'pgpool2'], seen);
    assert.equal(ps[1]?.kind, 'inputBox', seen);
    assert.equal(ps[1]?.message, 'Virtual IP (delegate_ip) for pgpool1');
    assert.match(validation[0] ?? '', /not an IPv4 address/);
    assert.match(validation[1] ?? '', /pgpool1's own address/);
    assert.match(validation[2] ?? '', /multicast/);
    assert.equal(validation[3], undefined, 'an unused address passes');
    assert.equal(ps[2]?.message, 'Failure detection profile', seen);
    const authkey = ps.find((p) => p.kind === 'inputBox' && p.message === 'Watchdog key (wd_authkey)');
    assert.ok(authkey, `wd_authkey was not asked for:\n${seen}`);
    assert.equal(authkey.password, true, 'typed into a password box');
    // Every host refuses (discovery's failures are swallowed): the first that counts is reading the files of the chosen
    // pgpool, on pgpool1's host. The command ends with that sentence, never a stack trace.
    const last = ps.at(-1);
    assert.ok(last && last.kind === 'error', seen);
    assert.match(last.message, /^Configure pgpool failed: Cannot open SSH to postgres@127\.77\.0\.20:1: connection refused/, seen);
    assert.doesNotMatch(last.message, /\n\s+at /, 'no stack trace');
    // The VIP and the key never reach the settings.
    const settings = JSON.stringify(vscode.workspace.getConfiguration('pgpoolCluster'));
    assert.ok(!settings.includes('127.77.0.100'));
  });

  test('Escape at the pgpool pick ends the command without another question', async () => {
    const dialogs = answerDialogs(() => undefined, () => undefined);
    try {
      await vscode.commands.executeCommand('pgpoolCluster.configurePgpool', { cluster: CLUSTER });
    } finally {
      dialogs.restore();
    }
    assert.deepEqual(dialogs.prompts.map((p) => [p.kind, p.items]), [['quickPick', ['pgpool0', 'pgpool1', 'pgpool2']]], describe(dialogs.prompts));
  });
});
