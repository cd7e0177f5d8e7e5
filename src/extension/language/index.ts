/** Editor features for the five conf languages; all logic lives in src/core/conf. They work in Restricted Mode too. */
import * as vscode from 'vscode';
import type { ExtensionServices } from '../context';
import { useClusterVersions } from './convert';
import { registerDiagnostics } from './diagnostics';
import { registerProviders } from './providers';
import { createVersionStatusBar } from './versionStatusBar';

export function registerLanguageFeatures(services: ExtensionServices): void {
  // The versions of the cluster a file belongs to come from the ClusterModel (reading cluster files connects nowhere).
  useClusterVersions(() => services.clusters?.entries ?? []);
  const diagnostics = registerDiagnostics(services.context);
  registerProviders(services.context);
  const statusBar = createVersionStatusBar(services.context);
  // The model is registered after the language features: subscribe once activate() has finished.
  let signature = '';
  queueMicrotask(() => {
    const model = services.clusters;
    if (!model) return;
    services.context.subscriptions.push(model.onDidChange(() => {
      const now = JSON.stringify(model.entries.map((e) => [e.file, e.definition.name, e.definition.pgpoolVersion, e.definition.postgresVersion,
        e.status?.pgpool.version, e.status?.nodes.map((n) => n.postgres.serverVersionNum)]));
      if (now === signature) return;
      signature = now;
      diagnostics.relintAll();
      statusBar.update();
    }), new vscode.Disposable(() => { signature = ''; }));
  });
}
