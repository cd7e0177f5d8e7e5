/** Where pcp runs: here only with local tools, a reachable pcp port and a .pcppass entry; otherwise on the pgpool host. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { decidePcpPlacement, LocalHost } from '../../../src/core/db/localPcp';
import { runPcp } from '../../../src/core/db/pcp';

test('pcp placement: local only when tools, port and pass-file entry are all there; each refusal says why', async () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'localpcp-'));
  const server = net.createServer((s) => s.end());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const bin = path.join(dir, 'bin');
    const pass = path.join(dir, 'pcppass');
    // Only this test's directory is searched, whatever this machine has installed.
    const env = (extra: Record<string, string>): NodeJS.ProcessEnv => ({ PATH: bin, ...extra });
    assert.match((await decidePcpPlacement('127.0.0.1', port, 'pcpadmin', env({ PCPPASSFILE: pass }), [bin])).reason, /no pcp tools/);
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'pcp_node_count'), '#!/bin/sh\necho 3\n');
    chmodSync(path.join(bin, 'pcp_node_count'), 0o755);
    assert.match((await decidePcpPlacement('127.0.0.1', port, 'pcpadmin', env({ PCPPASSFILE: pass }), [bin])).reason, /has no entry for 127\.0\.0\.1:\d+:pcpadmin/);
    writeFileSync(pass, `*:${port}:pcpadmin:pw\n`, { mode: 0o644 });
    assert.equal((await decidePcpPlacement('127.0.0.1', port, 'pcpadmin', env({ PCPPASSFILE: pass }), [bin])).local, false, 'a group-readable file is ignored, as pcp does');
    chmodSync(pass, 0o600);
    const local = await decidePcpPlacement('127.0.0.1', port, 'pcpadmin', env({ PCPPASSFILE: pass }), [bin]);
    assert.deepEqual([local.local, local.binDir], [true, bin]);
    assert.equal((await decidePcpPlacement('127.0.0.1', port, 'other', env({ PCPPASSFILE: pass }), [bin])).local, false);
    server.close();
    assert.match((await decidePcpPlacement('127.0.0.1', port, 'pcpadmin', env({ PCPPASSFILE: pass }), [bin])).reason, /does not reach pcp/);
    // Run locally: the tool gets no PCPPASSFILE from the cluster file (it reads this machine's own).
    const out = await runPcp({ remote: new LocalHost(), local: true, host: '127.0.0.1', port, passFile: '/on/the/pgpool/host', binDir: bin }, 'pcp_node_count', []);
    assert.equal(out.trim(), '3');
  } finally {
    server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
