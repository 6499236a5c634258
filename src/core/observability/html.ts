// The metrics webview's HTML (shared by the extension and the browser benchmark harness).
// Strict CSP: scripts only with the nonce, styles and fonts only from the webview's own resource origin,
// no inline styles, no eval.

export interface WebviewHtmlOptions {
  /** webview.cspSource */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  title?: string;
}

/**
 * The panel's CSP. style-src also carries the nonce: the toolkit (FAST) probes `:focus-visible` support
 * with a <style> element it stamps with the page's csp-nonce meta; without the nonce that probe is
 * reported as a violation. Inline style attributes stay blocked (no 'unsafe-inline').
 */
export function csp(cspSource: string, nonce: string): string {
  return `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${cspSource} 'nonce-${nonce}'; font-src ${cspSource}; img-src ${cspSource} data:`;
}

export function makeNonce(): string {
  const chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let s = '';
  for (let i = 0; i < 32; i++) s += chars[Math.floor(Math.random() * chars.length)];
  return s;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function metricsHtml(o: WebviewHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp(o.cspSource, o.nonce))}">
<meta property="csp-nonce" content="${esc(o.nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${esc(o.styleUri)}">
<title>${esc(o.title ?? 'Sock Shop Metrics')}</title>
</head>
<body>
<h1 id="title">Metrics</h1>
<div id="toolbar" class="toolbar"></div>
<div id="status" class="status"></div>
<div id="refresh-info" class="refresh-info"></div>
<div id="skipped"></div>
<main id="grid" class="grid"></main>
<section id="top" class="top"></section>
<script nonce="${esc(o.nonce)}" src="${esc(o.scriptUri)}"></script>
</body>
</html>`;
}
