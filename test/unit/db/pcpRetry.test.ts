// A pcp request that pgpool dropped mid-way (it restarts its pcp process during a failover) is sent once more when
// sending it twice is harmless; other failures, and requests that are not repeatable, are the caller's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDroppedPcpRequest, PcpError, pcpRetryingDroppedRequest } from '../../../src/core/db/pcp';

const dropped = (): PcpError => new PcpError('pcp_attach_node on pgpool failed (exit 1): ERROR: unable to read data from socket.', 1, 'ERROR: unable to read data from socket.');
const refused = (): PcpError => new PcpError('pcp_attach_node on pgpool failed (exit 1): FATAL: authentication failed for user "pcpadmin"', 1, 'FATAL: authentication failed for user "pcpadmin"');

test('a dropped attach is sent once more and its second answer is the result', async () => {
  let calls = 0;
  const out = await pcpRetryingDroppedRequest('pcp_attach_node', undefined, async () => {
    calls++;
    if (calls === 1) throw dropped();
    return 'pcp_attach_node -- Command Successful';
  }, 1);
  assert.equal(out, 'pcp_attach_node -- Command Successful');
  assert.equal(calls, 2);
});

test('a second drop, a refused login and a request that is not repeatable are not retried', async () => {
  let calls = 0;
  await assert.rejects(pcpRetryingDroppedRequest('pcp_attach_node', undefined, async () => { calls++; throw dropped(); }, 1), /unable to read data/);
  assert.equal(calls, 2, 'one retry, not more');
  calls = 0;
  await assert.rejects(pcpRetryingDroppedRequest('pcp_attach_node', undefined, async () => { calls++; throw refused(); }, 1), /authentication failed/);
  assert.equal(calls, 1);
  calls = 0;
  // A promotion may have been carried out before the connection dropped: never sent twice.
  await assert.rejects(pcpRetryingDroppedRequest('pcp_promote_node', undefined, async () => { calls++; throw dropped(); }, 1), /unable to read data/);
  assert.equal(calls, 1);
  calls = 0;
  const ac = new AbortController();
  ac.abort();
  await assert.rejects(pcpRetryingDroppedRequest('pcp_node_info', ac.signal, async () => { calls++; throw dropped(); }, 1));
  assert.equal(calls, 1, 'a cancelled operation is not retried');
});

test('what counts as a dropped request', () => {
  assert.equal(isDroppedPcpRequest(dropped()), true);
  assert.equal(isDroppedPcpRequest(refused()), false);
  assert.equal(isDroppedPcpRequest(new Error('unable to read data from socket')), false, 'only a pcp tool\'s own error');
});
