// The only file that knows about @vscode/webview-ui-toolkit (archived upstream): swapping it is a change here.
import {
  provideVSCodeDesignSystem, vsCodeBadge, vsCodeButton, vsCodeDataGrid, vsCodeDataGridCell, vsCodeDataGridRow, vsCodeDivider,
} from '@vscode/webview-ui-toolkit';

export function registerToolkit(): void {
  provideVSCodeDesignSystem().register(
    vsCodeButton(), vsCodeBadge(), vsCodeDataGrid(), vsCodeDataGridRow(), vsCodeDataGridCell(), vsCodeDivider(),
  );
}

/** Tag names of the elements used by the panel. */
export const TAG = {
  button: 'vscode-button',
  grid: 'vscode-data-grid',
  row: 'vscode-data-grid-row',
  cell: 'vscode-data-grid-cell',
  divider: 'vscode-divider',
} as const;
