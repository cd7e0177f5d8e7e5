// The user's path through the extension, in order. Later steps (Problems panel diagnostics, the
// pgpool-II tree view, Promote/Recover by right-click, the status panel, a cluster task) go here as
// files of their own; steps that need the lab use `skipUnless: needsLab`.
import { extensionIsActive } from './extensionIsActive';
import { languageMode } from './languageMode';
import type { E2EContext, Step } from './step';
import { workbenchLoads } from './workbenchLoads';

export const steps: Step[] = [workbenchLoads, extensionIsActive, languageMode];

export const needsLab = (ctx: E2EContext): string | undefined =>
  ctx.workspace.hasLabCluster ? undefined : 'the lab is not up (no cluster file)';
