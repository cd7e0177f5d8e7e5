import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProgram } from '../../../src/cli/main';

const argv = (...args: string[]): string[] => ['node', 'pgpool-cluster', ...args];

test('every command loads its own group only (a command missing from the map would load them all)', async () => {
  const all = (await buildProgram()).commands.map((c) => c.name());
  assert.ok(all.length >= 10, `commands: ${all.join(', ')}`);
  for (const name of all) {
    const loaded = (await buildProgram(argv(name, '--help'))).commands.map((c) => c.name());
    assert.ok(loaded.includes(name), `${name} is not registered when asked for`);
    assert.ok(loaded.length < all.length, `${name} loaded every group (${loaded.length} commands): add it to GROUP_OF in src/cli/main.ts`);
  }
});

test('--version alone loads no command; help and unknown names load all of them', async () => {
  const all = (await buildProgram()).commands.length;
  assert.equal((await buildProgram(argv('--version'))).commands.length, 0);
  assert.equal((await buildProgram(argv())).commands.length, all);
  assert.equal((await buildProgram(argv('help', 'lint'))).commands.length, all);
  assert.equal((await buildProgram(argv('lnt'))).commands.length, all, 'a misspelt command still gets "did you mean"');
});
