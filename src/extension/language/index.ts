/** Editor features for the five conf languages; all logic lives in src/core/conf. */
import type { ExtensionServices } from '../context';
import { registerDiagnostics } from './diagnostics';
import { registerProviders } from './providers';

export function registerLanguageFeatures(services: ExtensionServices): void {
  registerDiagnostics(services.context);
  registerProviders(services.context);
}
