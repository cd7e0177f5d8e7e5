// The extension reports its own activation time (load + activate()); this records it for `npm run bench`.
// A figure, not a verdict: nothing here fails on a slow machine.
import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { activatedExtension } from './extension';
import { RESULT_FILE_ENV, defaultResultFile } from './results';

suite('activation', () => {
  test('the extension reports how long loading and activating took', async () => {
    const ext = await activatedExtension();
    const info = ext.exports as { activationMs?: unknown; loadMs?: unknown } | undefined;
    const ms = info?.activationMs;
    assert.equal(typeof ms, 'number', `activate() returned ${JSON.stringify(info)}`);
    assert.ok(Number.isFinite(ms) && (ms as number) > 0, `activationMs is ${String(ms)}`);
    // Beside the suite's results; `npm run bench -- startup` prints it.
    const file = join(dirname(process.env[RESULT_FILE_ENV] ?? defaultResultFile), 'activation.json');
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify({ activationMs: ms, loadMs: info?.loadMs, measuredAt: new Date().toISOString() })}\n`);
    console.log(`pgpool-cluster activation: ${(ms as number).toFixed(1)} ms (load + activate)`);
  });
});
