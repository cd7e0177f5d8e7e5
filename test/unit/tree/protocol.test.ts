import { test } from 'node:test';
import assert from 'node:assert/strict';
import { contentSecurityPolicy, makeNonce, panelHtml } from '../../../src/extension/panel/panelHtml';
import {
  NodeOperationMsg, OperationResultMsg, ReadyMsg, RefreshMsg, StatusUpdateMsg, isFromWebview, isToWebview,
} from '../../../src/shared/protocol';

test('webview -> extension guards accept well-formed messages only', () => {
  assert.ok(ReadyMsg.is({ type: 'ready' }));
  assert.ok(RefreshMsg.is({ type: 'refresh' }));
  const op = { type: 'nodeOperation', requestId: 'r1', operation: 'promote', cluster: 'lab', node: 'node1' };
  assert.ok(NodeOperationMsg.is(op));
  assert.ok(isFromWebview(op));
  for (const bad of [
    null, undefined, 'ready', [], { type: 'nope' },
    { ...op, operation: 'dropDatabase' }, { ...op, node: 3 }, { ...op, requestId: undefined },
  ]) {
    assert.equal(isFromWebview(bad), false, JSON.stringify(bad));
  }
});

test('extension -> webview guards', () => {
  const update = { type: 'status', clusters: [], fileErrors: [], refreshing: false, available: { promote: false, recover: false, attach: false, detach: false } };
  assert.ok(StatusUpdateMsg.is(update));
  assert.ok(isToWebview(update));
  assert.ok(OperationResultMsg.is({ type: 'operationResult', requestId: 'r', outcome: 'refused', message: 'node0 is already a primary.' }));
  assert.equal(OperationResultMsg.is({ type: 'operationResult', requestId: 'r', outcome: 'finished', message: 'x' }), false, 'only the four outcomes');
  assert.equal(isToWebview({ ...update, clusters: 'x' }), false);
  assert.equal(isToWebview({ type: 'operationResult', requestId: 'r', ok: true, message: 'done' }), false);
  assert.equal(isToWebview({ type: 'ready' }), false);
});

test('panel CSP: nothing by default, nonce scripts, styles from the extension only', () => {
  const nonce = makeNonce();
  assert.match(nonce, /^[A-Za-z0-9]{20,}$/);
  assert.notEqual(nonce, makeNonce());
  const csp = contentSecurityPolicy({ cspSource: 'https://x.vscode-resource', nonce });
  assert.ok(csp.startsWith("default-src 'none'"));
  assert.ok(csp.includes(`script-src 'nonce-${nonce}'`));
  assert.ok(csp.includes('style-src https://x.vscode-resource'));
  assert.doesNotMatch(csp, /unsafe-(inline|eval)|\*/);
  const html = panelHtml({ cspSource: 'https://x.vscode-resource', nonce, scriptUri: 'https://x/dist/webview.js', styleUri: 'https://x/media/panel.css' });
  const scripts = html.match(/<script\b[^>]*>/g) ?? [];
  assert.equal(scripts.length, 1);
  assert.ok(scripts[0]?.includes(`nonce="${nonce}"`) && scripts[0].includes('src="https://x/dist/webview.js"'));
  assert.doesNotMatch(html, /\sstyle="|\son\w+="/);
});
