/**
 * Child process of the start-up bench: loads dist/extension.js in plain Node with a stand-in `vscode` module
 * (every property, call and construction yields the stand-in again), calls activate(), and prints the
 * extension's own activation figure and which lazily loaded files it read. An approximation of the extension
 * host, which adds its own work; the extension logs the same figure there ("Activated in N ms").
 */
import Module from 'node:module';
import * as path from 'node:path';

type Loader = (request: string, parent: unknown, isMain: boolean) => unknown;

function standIn(): unknown {
  const target = function standInFunction(): void { /* stand-in */ };
  const proxy: unknown = new Proxy(target, {
    get: (_t, key) => (key === 'then' ? undefined : key === Symbol.toPrimitive ? () => '' : key === Symbol.iterator ? function* empty(): Generator<never> { /* nothing */ } : proxy),
    set: () => true,
    apply: () => proxy,
    construct: () => proxy as object,
  });
  // The bundle copies a module's own properties (esbuild's __toESM) and inherits the rest from its prototype.
  return Object.create(proxy as object) as unknown;
}

function main(): void {
  const extensionFile = path.resolve(process.argv[2] ?? 'dist/extension.js');
  const vscode = standIn();
  const mod = Module as unknown as { _load: Loader };
  const load = mod._load;
  mod._load = function loadWithVscode(request, parent, isMain) {
    return request === 'vscode' ? vscode : load.call(this, request, parent, isMain);
  };
  // Work the extension starts in the background meets the stand-in; only the activation itself is measured.
  process.on('unhandledRejection', () => undefined);
  const t0 = performance.now();
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const extension = require(extensionFile) as { activate(ctx: unknown): { activationMs?: number } | undefined };
  const context = { subscriptions: [] as unknown[], extensionUri: vscode, extensionPath: path.dirname(path.dirname(extensionFile)), globalState: vscode, workspaceState: vscode, secrets: vscode, environmentVariableCollection: vscode, extension: vscode, storageUri: undefined, globalStorageUri: vscode, logUri: vscode, asAbsolutePath: (p: string) => path.join(path.dirname(path.dirname(extensionFile)), p) };
  const info = extension.activate(context);
  const outside = performance.now() - t0;
  const vendor = Object.keys(require.cache).filter((f) => f.includes(`${path.sep}vendor${path.sep}`)).map((f) => path.basename(f));
  process.stdout.write(`${JSON.stringify({ activationMs: info?.activationMs ?? outside, requireAndActivateMs: outside, vendorLoaded: vendor })}\n`);
  process.exit(0);
}

main();
