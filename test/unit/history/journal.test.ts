import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CGROUP_UNIT, journalLineToLog, readJournal, splitJournalOutput } from '../../../src/core/history/journal';
import { keep } from '../../../src/core/history/collect';
import { nodeLookup } from '../../../src/core/history/nodeLookup';
import { parsePgpoolLog } from '../../../src/core/history/pgpoolLog';
import type { RemoteHost } from '../../../src/core/remote/types';

const nodes = nodeLookup({ nodes: [0, 1, 2].map((id) => ({ name: `node${id}`, id, host: `10.0.0.${11 + id}`, port: 5432, ssh: {} })) });

// As `journalctl -o short-iso-precise -u pgpool2.service` prints them (systemd 252, Debian 12).
const JOURNAL = [
  '2026-11-29T18:12:20.001234+0000 pg1 systemd[1]: Started pgpool2.service - pgpool-II.',
  '2026-11-29T18:12:25.115234+0000 pg1 pgpool[812]: 2026-11-29 18:12:25.115: health_check0 pid 830: LOG:  health check failed on node 0 (timeout:0)',
  '2026-11-29T18:12:25.116001+0000 pg1 pgpool[812]: 2026-11-29 18:12:25.116: health_check0 pid 830: LOG:  received degenerate backend request for node_id: 0 from pid [830]',
  '2026-11-29T18:12:25.300000+0000 pg1 pgpool[901]: failover.sh: promoting node 1',
  '2026-11-29T18:12:26.000000+00:00 pg1 systemd[1]: pgpool2.service: Failed with result \'signal\'.',
  '-- cursor: s=abc;i=42;b=def',
].join('\n');

test('journal lines: pgpool keeps its own prefix; lines without a time get the journal time and identifier', () => {
  assert.equal(journalLineToLog('2026-11-29T18:12:25.115234+0000 pg1 pgpool[812]: 2026-11-29 18:12:25.115: main pid 812: LOG:  x'),
    '2026-11-29 18:12:25.115: main pid 812: LOG:  x');
  assert.equal(journalLineToLog('2026-11-29T18:12:20.001234+0000 pg1 systemd[1]: Started pgpool2.service - pgpool-II.'),
    '2026-11-29 18:12:20.001 systemd: Started pgpool2.service - pgpool-II.');
  assert.equal(journalLineToLog('not a journal line'), 'not a journal line');
  // Through syslog (log_destination = 'syslog'), with pgpool's numbering and the pre-4.2 prefix '%t: pid %p: '.
  const viaSyslog = journalLineToLog('2026-11-29T18:12:25.115234+0000 pg1 pgpool[1636]: [30-1] 2026-11-29 18:12:25: pid 1636: LOG:  I am the cluster leader node');
  assert.equal(viaSyslog, '2026-11-29 18:12:25: pid 1636: LOG:  I am the cluster leader node');
  const { events } = parsePgpoolLog(`${viaSyslog}\n`, { origin: 'pgpool', file: 'journal:pgpool2.service', firstLine: 1, clock: { skewMs: 0, utcOffset: '+0000' }, nodes, keep });
  assert.deepEqual(events.map((e) => e.kind), ['watchdog-leader']);
});

test("journal output: entries parsed by pgpool's parser (kinds and nodes), journalctl's remarks dropped, cursor and clock kept", () => {
  const parts = splitJournalOutput(`${JOURNAL}\n-- clock: 1796000000000 +0000\n`);
  assert.equal(parts.cursor, 's=abc;i=42;b=def');
  assert.equal(parts.epochMs, '1796000000000');
  assert.equal(parts.entries, 5);
  const { events } = parsePgpoolLog(parts.text, { origin: 'pgpool', file: 'journal:pgpool2.service', firstLine: 1, clock: { skewMs: 0, utcOffset: '+0000' }, nodes, keep });
  const story = events.filter(keep).map((e) => `${e.kind}${e.node ? ` ${e.node}` : ''} ${e.severity}`);
  assert.deepEqual(story, ['script:systemd info', 'health-check-failed node0 warning', 'degenerate-request node0 warning',
    'script:failover node1 info', 'script:systemd error']);
  assert.equal(events[1]?.time, '2026-11-29T18:12:25.115Z');
  assert.deepEqual(splitJournalOutput('-- No entries --\n'), { text: '', entries: 0 });
});

test('the cgroup file names the service, cgroup v1 and v2; a process outside a service names none', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cgroup-'));
  const unitOf = (content: string): string => {
    writeFileSync(join(dir, 'cgroup'), content);
    return spawnSync('sh', ['-c', `${CGROUP_UNIT} "$1"`, 'sh', join(dir, 'cgroup')], { encoding: 'utf8' }).stdout.trim();
  };
  assert.equal(unitOf('0::/system.slice/pgpool2.service\n'), 'pgpool2.service');
  assert.equal(unitOf('12:pids:/system.slice/pgpool-II-15.service\n1:name=systemd:/system.slice/pgpool-II-15.service\n'), 'pgpool-II-15.service\npgpool-II-15.service');
  assert.equal(unitOf('0::/user.slice/user-0.slice/session-3.scope\n'), '');
});

test('reading the journal: the first read asks for the newest entries, the next one goes on after the cursor', async () => {
  // A journalctl that records its arguments and answers like the real one: the shell script around it is real.
  const dir = mkdtempSync(join(tmpdir(), 'journalctl-'));
  const argsFile = join(dir, 'args');
  writeFileSync(join(dir, 'journalctl'), `#!/bin/sh\nprintf '%s\\n' "$@" >> ${argsFile}\necho ---- >> ${argsFile}\ncase "$*" in *--after-cursor=s=abc*) echo '-- No entries --';; *) cat ${join(dir, 'out')};; esac\n`);
  chmodSync(join(dir, 'journalctl'), 0o755);
  writeFileSync(join(dir, 'out'), `${JOURNAL}\n`);
  const host: RemoteHost = {
    label: 'pgpool',
    async exec(command) {
      const argv = command as string[];
      const r = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env: { ...process.env, PATH: `${dir}:${process.env.PATH ?? ''}` } });
      return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
    },
    async readFile(path) { return readFileSync(path); },
    async writeFile(path, data) { writeFileSync(path, data); },
  };
  const pieces: string[] = [];
  const first = await readJournal(host, 'journal:pgpool2.service', 'pgpool', undefined, (p) => { pieces.push(p.text); });
  assert.equal(first.cursor.journalCursor, 's=abc;i=42;b=def');
  assert.equal(first.cursor.line, 5);
  assert.equal(first.clock.utcOffset.length, 5);
  const second = await readJournal(host, 'journal:pgpool2.service', 'pgpool', first.cursor, (p) => { pieces.push(p.text); });
  assert.equal(pieces.length, 1, 'nothing new after the cursor');
  assert.equal(second.cursor.journalCursor, 's=abc;i=42;b=def', 'no new cursor keeps the old one');
  assert.equal(second.cursor.line, 5);
  const calls = readFileSync(argsFile, 'utf8').split('----\n').filter(Boolean).map((c) => c.trim().split('\n'));
  assert.ok(calls[0]!.includes('-u') && calls[0]!.includes('pgpool2.service') && calls[0]!.includes('-n'), calls[0]!.join(' '));
  assert.ok(calls[1]!.includes('--after-cursor=s=abc;i=42;b=def') && !calls[1]!.includes('-n'), calls[1]!.join(' '));
});
