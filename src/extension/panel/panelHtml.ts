/** The status panel's HTML shell. Pure (no `vscode` import): a unit test checks the CSP. */
import { randomBytes } from 'node:crypto';

export interface PanelHtmlParts {
  /** `webview.cspSource`. */
  readonly cspSource: string;
  /** Webview URIs of dist/webview.js and media/panel.css. */
  readonly scriptUri: string;
  readonly styleUri: string;
  readonly nonce: string;
}

export function makeNonce(): string {
  return randomBytes(18).toString('base64').replace(/[+/=]/g, '');
}

const attr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function contentSecurityPolicy(p: Pick<PanelHtmlParts, 'cspSource' | 'nonce'>): string {
  return [
    "default-src 'none'",
    `style-src ${p.cspSource}`,
    `font-src ${p.cspSource}`,
    `img-src ${p.cspSource} data:`,
    `script-src 'nonce-${p.nonce}'`,
  ].join('; ');
}

export function panelHtml(p: PanelHtmlParts): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(p))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${attr(p.styleUri)}">
<title>Cluster Status</title>
</head>
<body>
<header class="toolbar">
  <h1>Cluster status</h1>
  <span id="refreshed" class="muted">not refreshed yet</span>
  <vscode-button id="refresh" appearance="secondary">Refresh</vscode-button>
</header>
<section id="errors" class="errors" role="alert" hidden></section>
<main id="clusters"><p class="muted">Loading…</p></main>
<script nonce="${attr(p.nonce)}" src="${attr(p.scriptUri)}"></script>
</body>
</html>`;
}
