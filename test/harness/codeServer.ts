import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { codeServerEntry, extensionId } from './paths';
import { freePort } from './ports';
import { waitFor } from './wait';

/** User settings for a test profile: no trust prompt, no welcome page, nothing phoning home. */
const TEST_SETTINGS = {
  'security.workspace.trust.enabled': false,
  // Tests connect to the lab without the once-per-file host confirmation (a user setting only; see package.json).
  'pgpoolCluster.confirmClusterHosts': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'chat.commandCenter.enabled': false,
  'workbench.enableExperiments': false,
  'git.openRepositoryInParentFolders': 'never',
  // The DOM renderer keeps terminal text in the page, where a test can read it (no WebGL in headless Chromium).
  'terminal.integrated.gpuAcceleration': 'off',
};

export interface CodeServer {
  port: number;
  origin: string;
  userDataDir: string;
  extensionsDir: string;
  /** Workbench URL opening `folder`, with optional extension-development payload entries. */
  url(folder: string, payload?: [string, string][]): string;
  /** `vscode-remote://` URI of an absolute path on this machine, for the payload. */
  remoteUri(absPath: string): string;
  stop(): Promise<void>;
}

export interface CodeServerOptions {
  /** code-server's own output goes here. */
  logFile: string;
  /** Extra environment for the server and so for its extension host. */
  env?: Record<string, string>;
  extensionsDir?: string;
}

export function assertCodeServerInstalled(): void {
  if (!existsSync(codeServerEntry)) {
    throw new Error(`code-server is not installed (${codeServerEntry} missing): run bash scripts/install-code-server.sh`);
  }
}

/** An empty extensions folder to install a .vsix into before starting code-server; the caller removes it. */
export function makeExtensionsDir(): string {
  return mkdtempSync(join(tmpdir(), 'pgpool-extensions-'));
}

/** A fresh profile: user data (with test settings) and, unless given, an empty extensions folder. */
function makeProfile(extensionsDir?: string): { userDataDir: string; extensionsDir: string; configFile: string } {
  const base = mkdtempSync(join(tmpdir(), 'pgpool-cs-'));
  const userDataDir = join(base, 'user-data');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), JSON.stringify(TEST_SETTINGS, null, 2));
  const dir = extensionsDir ?? join(base, 'extensions');
  mkdirSync(dir, { recursive: true });
  const configFile = join(base, 'config.yaml');
  writeFileSync(configFile, 'auth: none\ncert: false\n');
  return { userDataDir, extensionsDir: dir, configFile };
}

/** Installs a .vsix into an extensions folder with code-server's own installer; returns its folder. */
export function installExtension(vsix: string, extensionsDir: string, logFile: string): string {
  assertCodeServerInstalled();
  const r = spawnSync(process.execPath, [codeServerEntry, '--extensions-dir', extensionsDir, '--install-extension', vsix], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  writeFileSync(logFile, `${r.stdout ?? ''}${r.stderr ?? ''}`);
  if (r.status !== 0) throw new Error(`code-server --install-extension ${vsix} failed (${r.status ?? r.signal}); see ${logFile}`);
  const installed = readdirSync(extensionsDir).find((name) => name.startsWith(`${extensionId}-`));
  if (!installed) throw new Error(`${extensionId} is not in ${extensionsDir} after --install-extension; see ${logFile}`);
  return join(extensionsDir, installed);
}

export async function startCodeServer(options: CodeServerOptions): Promise<CodeServer> {
  assertCodeServerInstalled();
  const profile = makeProfile(options.extensionsDir);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const log = createWriteStream(options.logFile);
  const child = spawn(process.execPath, [
    codeServerEntry,
    '--config', profile.configFile,
    '--auth', 'none',
    '--bind-addr', `127.0.0.1:${port}`,
    '--disable-workspace-trust',
    '--disable-telemetry',
    '--disable-update-check',
    '--user-data-dir', profile.userDataDir,
    '--extensions-dir', profile.extensionsDir,
  ], {
    // Its own process group, so that stop() also ends the extension host and helpers it spawns.
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...options.env },
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  let exited = false;
  child.once('exit', () => { exited = true; });

  const server: CodeServer = {
    port,
    origin,
    userDataDir: profile.userDataDir,
    extensionsDir: profile.extensionsDir,
    remoteUri: (absPath) => `vscode-remote://127.0.0.1:${port}${absPath}`,
    url: (folder, payload) => {
      let url = `${origin}/?folder=${encodeURIComponent(folder)}`;
      if (payload) url += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      return url;
    },
    stop: () => stopProcessGroup(child, () => exited).finally(() => {
      log.end();
      rmSync(join(profile.userDataDir, '..'), { recursive: true, force: true, maxRetries: 3 });
    }),
  };
  try {
    await waitFor('code-server to answer', async () => {
      if (exited) throw new Error(`code-server exited early; see ${options.logFile}`);
      try {
        const res = await fetch(`${origin}/healthz`);
        return res.ok ? true : undefined;
      } catch {
        return undefined;
      }
    }, 60_000);
  } catch (err) {
    await server.stop();
    throw err;
  }
  return server;
}

async function stopProcessGroup(child: ChildProcess, exited: () => boolean): Promise<void> {
  if (child.pid === undefined) return;
  const signalGroup = (signal: NodeJS.Signals): void => {
    try { process.kill(-child.pid!, signal); } catch { /* already gone */ }
  };
  signalGroup('SIGTERM');
  await waitFor('the code-server process group to exit', () => exited() || undefined, 4000, 100).catch(() => undefined);
  // Whatever is left of the group (the extension host may outlive the server briefly).
  signalGroup('SIGKILL');
}
