import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crossCheck, hoverAt, lintDocument, type Diagnostic } from '../../../src/core/conf';
import { hasQuorum } from '../../../src/core/conf/watchdogModel';

const lint = (text: string, pgpoolVersion = '4.3'): Diagnostic[] => lintDocument(text, { languageId: 'pgpool-conf', pgpoolVersion });
const codes = (text: string, v?: string): string[] => lint(text, v).map((d) => d.code).filter((c) => c.includes('watchdog'));
const apply = (text: string, d: Diagnostic | undefined): string => {
  const e = d?.fixes?.[0]?.edits[0];
  assert.ok(e, 'a fix is offered');
  const lines = text.split('\n');
  const before = lines.slice(0, e.range.start.line).join('\n') + (e.range.start.line ? '\n' : '') + (lines[e.range.start.line] ?? '').slice(0, e.range.start.character);
  const afterLine = lines[e.range.end.line] ?? '';
  return before + e.newText + afterLine.slice(e.range.end.character) + (e.range.end.line + 1 < lines.length ? `\n${lines.slice(e.range.end.line + 1).join('\n')}` : '');
};

/** A 4.2+ watchdog file with `n` nodes. */
function modern(n: number, extra = ''): string {
  const nodes = Array.from({ length: n }, (_, i) => `hostname${i} = 'pg${i}'\nwd_port${i} = 9000\npgpool_port${i} = 9999\nheartbeat_hostname${i} = 'pg${i}'\nheartbeat_port${i} = 9694`).join('\n');
  return `use_watchdog = on\nfailover_when_quorum_exists = on\ntrusted_servers = 'gw'\n${nodes}\n${extra}`;
}

test('even pgpool count without enable_consensus_with_half_votes: warned with a fix; odd count or half votes on: quiet', () => {
  const text = modern(2);
  const d = lint(text).find((x) => x.code === 'pgpool/watchdog-even-count');
  assert.ok(d);
  assert.match(d.message, /2 pgpool nodes/);
  assert.equal(d.severity, 'warning');
  const fixed = apply(text, d);
  assert.match(fixed, /enable_consensus_with_half_votes = on/);
  assert.ok(!codes(fixed).includes('pgpool/watchdog-even-count'));
  assert.ok(!codes(modern(3)).includes('pgpool/watchdog-even-count'));
  assert.ok(!codes(modern(4, 'enable_consensus_with_half_votes = on')).includes('pgpool/watchdog-even-count'));
  assert.ok(codes(modern(4, 'enable_consensus_with_half_votes = off')).includes('pgpool/watchdog-even-count'));
  // Watchdog off: no watchdog rule at all.
  assert.deepEqual(codes(modern(2).replace('use_watchdog = on', 'use_watchdog = off')), []);
});

test('even count on the legacy layout (4.0: no half-votes switch) warns that both halves keep quorum', () => {
  const text = "use_watchdog = on\nfailover_when_quorum_exists = on\ntrusted_servers = 'gw'\nwd_hostname = 'pg0'\nother_pgpool_hostname0 = 'pg1'\nother_pgpool_port0 = 9999\n";
  const d = lint(text, '4.0').find((x) => x.code === 'pgpool/watchdog-even-count');
  assert.ok(d);
  assert.match(d.message, /both halves/);
  assert.ok(!codes(`${text}other_pgpool_hostname1 = 'pg2'\n`, '4.0').includes('pgpool/watchdog-even-count'));
  assert.equal(hasQuorum(1, 2, false), false);
  assert.equal(hasQuorum(1, 2, true), true);
  assert.equal(hasQuorum(2, 3, false), true);
  assert.equal(hasQuorum(1, 3, true), false);
});

test('failover_when_quorum_exists off with watchdog on: warned (also as the 4.2 default), fixed to on', () => {
  const text = modern(3).replace('failover_when_quorum_exists = on', 'failover_when_quorum_exists = off');
  const d = lint(text).find((x) => x.code === 'pgpool/watchdog-failover-without-quorum');
  assert.ok(d);
  assert.equal(d.range.start.line, 1);
  assert.ok(!codes(apply(text, d)).includes('pgpool/watchdog-failover-without-quorum'));
  const unset = modern(3).replace('failover_when_quorum_exists = on\n', '');
  assert.ok(codes(unset, '4.2').includes('pgpool/watchdog-failover-without-quorum'), '4.2 defaults to off');
  assert.ok(!codes(unset, '4.3').includes('pgpool/watchdog-failover-without-quorum'), '4.3 defaults to on');
  assert.ok(!codes(modern(3)).includes('pgpool/watchdog-failover-without-quorum'));
});

test('trusted_servers empty on a two-node watchdog: warned; three nodes or a trusted server: quiet', () => {
  const two = modern(2, 'enable_consensus_with_half_votes = on').replace("trusted_servers = 'gw'", "trusted_servers = ''");
  assert.ok(codes(two).includes('pgpool/watchdog-two-nodes-no-trusted-servers'));
  assert.ok(!codes(modern(2, 'enable_consensus_with_half_votes = on')).includes('pgpool/watchdog-two-nodes-no-trusted-servers'));
  assert.ok(!codes(modern(3).replace("trusted_servers = 'gw'", "trusted_servers = ''")).includes('pgpool/watchdog-two-nodes-no-trusted-servers'));
});

test('if_up_cmd without sudo when a VIP is set: warned per command, version-aware name and advice', () => {
  const text = modern(3, "delegate_IP = '10.0.0.100'\nif_up_cmd = '/sbin/ip addr add $_IP_$/24 dev eth0 label eth0:0'\nif_down_cmd = '/usr/bin/sudo /sbin/ip addr del $_IP_$/24 dev eth0'\narping_cmd = '/usr/bin/sudo /usr/sbin/arping -U $_IP_$ -w 1 -I eth0'");
  const ds = lint(text).filter((x) => x.code === 'pgpool/watchdog-vip-without-privilege');
  assert.equal(ds.length, 1);
  assert.match(ds[0]?.message ?? '', /if_up_cmd runs ip without sudo/);
  assert.match(apply(text, ds[0]), /if_up_cmd = '\/usr\/bin\/sudo \/sbin\/ip addr add/);
  // With sudo everywhere: quiet. Without a VIP: the commands never run.
  assert.deepEqual(codes(text.replace("'/sbin/ip addr add", "'/usr/bin/sudo /sbin/ip addr add")).filter((c) => c.includes('privilege')), []);
  assert.deepEqual(codes(text.replace("delegate_IP = '10.0.0.100'", '')).filter((c) => c.includes('privilege')), []);
  // 4.4 spells it delegate_ip; the defaults there use sudo.
  assert.deepEqual(codes(modern(3, "delegate_ip = '10.0.0.100'"), '4.4').filter((c) => c.includes('privilege')), []);
  // 4.0's defaults run ip from if_cmd_path without sudo: pgpool wants it setuid; no sudo fix is offered.
  const old = "use_watchdog = on\nfailover_when_quorum_exists = on\nwd_hostname = 'a'\nother_pgpool_hostname0 = 'b'\nother_pgpool_hostname1 = 'c'\ndelegate_IP = '10.0.0.100'\n";
  const oldDs = lint(old, '4.0').filter((x) => x.code === 'pgpool/watchdog-vip-without-privilege');
  assert.equal(oldDs.length, 3, 'if_up_cmd, if_down_cmd and arping_cmd defaults');
  assert.match(oldDs[0]?.message ?? '', /setuid root/);
  assert.ok(oldDs.every((d) => !d.fixes?.length));
});

test('hover explains the watchdog parameters the rules name', () => {
  const h = hoverAt('enable_consensus_with_half_votes = on', { line: 0, character: 3 }, { languageId: 'pgpool-conf', pgpoolVersion: '4.3' });
  assert.match(h?.contents ?? '', /exactly half/);
  const t = hoverAt("trusted_servers = 'gw'", { line: 0, character: 3 }, { languageId: 'pgpool-conf', pgpoolVersion: '4.3' });
  assert.match(t?.contents ?? '', /two-node/);
});

test('cross-file: heartbeat and node lists that differ between the pgpool nodes\' files are flagged on the odd one out', () => {
  const a = modern(3);
  const c = modern(3).replace("heartbeat_hostname2 = 'pg2'", "heartbeat_hostname2 = 'pg9'");
  const files = [
    { fileName: 'pg0/pgpool.conf', languageId: 'pgpool-conf' as const, text: a },
    { fileName: 'pg1/pgpool.conf', languageId: 'pgpool-conf' as const, text: a },
    { fileName: 'pg2/pgpool.conf', languageId: 'pgpool-conf' as const, text: c },
  ];
  const out = crossCheck(files, { pgpoolVersion: '4.3' });
  const hb = (out.get('pg2/pgpool.conf') ?? []).filter((d) => d.code === 'cross/watchdog-heartbeat-differs');
  assert.equal(hb.length, 1);
  assert.match(hb[0]?.message ?? '', /pg9/);
  assert.equal((out.get('pg0/pgpool.conf') ?? []).filter((d) => d.code.startsWith('cross/watchdog')).length, 0);
  // Same files: nothing.
  const same = crossCheck(files.map((f) => ({ ...f, text: a })), { pgpoolVersion: '4.3' });
  assert.equal([...same.values()].flat().filter((d) => d.code.startsWith('cross/watchdog')).length, 0);
  // A node list in another order is a different cluster to pgpool.
  const swapped = a.replace("hostname0 = 'pg0'", "hostname0 = 'pgX'");
  const out2 = crossCheck([files[0]!, files[1]!, { ...files[2]!, text: swapped }], { pgpoolVersion: '4.3' });
  assert.ok((out2.get('pg2/pgpool.conf') ?? []).some((d) => d.code === 'cross/watchdog-nodes-differ'));
});

test('cross-file, legacy layout: each file lists itself apart, so the sets are compared', () => {
  const f = (self: string, others: string[], hb: string[]): string => `use_watchdog = on\nwd_hostname = '${self}'\n${others.map((o, i) => `other_pgpool_hostname${i} = '${o}'`).join('\n')}\n${hb.map((o, i) => `heartbeat_destination${i} = '${o}'`).join('\n')}\n`;
  const files = [
    { fileName: 'a.pgpool.conf', languageId: 'pgpool-conf' as const, text: f('a', ['b', 'c'], ['b', 'c']) },
    { fileName: 'b.pgpool.conf', languageId: 'pgpool-conf' as const, text: f('b', ['a', 'c'], ['a', 'c']) },
    { fileName: 'c.pgpool.conf', languageId: 'pgpool-conf' as const, text: f('c', ['a', 'b'], ['a']) },
  ];
  const out = crossCheck(files, { pgpoolVersion: '4.0' });
  assert.deepEqual((out.get('c.pgpool.conf') ?? []).map((d) => d.code), ['cross/watchdog-heartbeat-differs']);
  assert.equal(out.get('a.pgpool.conf'), undefined);
  const wrongSet = [...files.slice(0, 2), { ...files[2]!, text: f('c', ['a', 'x'], ['a', 'x']) }];
  assert.deepEqual((crossCheck(wrongSet, { pgpoolVersion: '4.0' }).get('c.pgpool.conf') ?? []).map((d) => d.code), ['cross/watchdog-nodes-differ']);
});
