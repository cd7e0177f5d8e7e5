/** "Forget Saved Credentials": remove SSH, pcp and replication passwords saved in the editor's secret storage. */
import * as vscode from 'vscode';
import type { ExtensionServices } from '../context';
import { describeSecretKey } from '../tree/connectionPrompts';

export async function forgetCredentials(services: ExtensionServices): Promise<number> {
  const secrets = services.secrets;
  const keys = secrets?.savedKeys() ?? [];
  if (!secrets || keys.length === 0) {
    void vscode.window.showInformationMessage('No pgpool-cluster credentials are saved.');
    return 0;
  }
  const picked = await vscode.window.showQuickPick(keys.map((key) => ({ label: describeSecretKey(key), key, picked: true })), {
    canPickMany: true, placeHolder: 'Credentials to forget (all are selected)',
  });
  if (!picked || picked.length === 0) return 0;
  for (const p of picked) await secrets.forgetKey(p.key);
  secrets.allowPromptsAgain();
  services.log.info(`Forgot ${picked.length} saved credential(s).`);
  void vscode.window.showInformationMessage(`Forgot ${picked.length} saved credential(s); you will be asked again when they are needed.`);
  return picked.length;
}
