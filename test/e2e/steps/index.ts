// The user's path through the extension, in order. Later steps (Problems panel diagnostics, the
// pgpool-II tree view, Promote/Recover by right-click, the status panel, a cluster task) go here as
// files of their own; steps that need the lab use `skipUnless: needsLab`.
import { clusterTask } from './clusterTask';
import { clusterTree } from './clusterTree';
import { extensionIsActive } from './extensionIsActive';
import { historyInPanel } from './historyInPanel';
import { languageMode } from './languageMode';
import { problemsAndQuickFix } from './problemsAndQuickFix';
import { promoteByRightClick } from './promoteByRightClick';
import { recoverByRightClick } from './recoverByRightClick';
import type { E2EContext, Step } from './step';
import { statusPanel } from './statusPanel';
import { workbenchLoads } from './workbenchLoads';

export const needsLab = (ctx: E2EContext): string | undefined =>
  ctx.workspace.hasLabCluster ? undefined : 'the lab is not up (no cluster file)';

const withLab = (step: Step): Step => ({ ...step, skipUnless: needsLab });

export const steps: Step[] = [
  workbenchLoads, extensionIsActive, languageMode, problemsAndQuickFix,
  withLab(clusterTree), withLab(promoteByRightClick), withLab(recoverByRightClick), withLab(statusPanel), withLab(historyInPanel), withLab(clusterTask),
];
