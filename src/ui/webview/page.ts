// The page every webview panel is served in: one strict CSP (scripts only with the nonce, styles and fonts
// only from the webview's resource origin, no inline styles, no eval), one stylesheet, one script.
import { randomBytes } from 'node:crypto';

export interface WebviewPageOptions {
  /** webview.cspSource */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  title: string;
  /** The panel's static markup (the script fills it). */
  body: string;
}

/**
 * The panels' CSP. style-src also carries the nonce: the toolkit (FAST) probes `:focus-visible` support
 * with a <style> element it stamps with the page's csp-nonce meta; without the nonce that probe is
 * reported as a violation. Inline style attributes stay blocked (no 'unsafe-inline').
 */
export function csp(cspSource: string, nonce: string): string {
  return `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${cspSource} 'nonce-${nonce}'; font-src ${cspSource}; img-src ${cspSource} data:`;
}

const NONCE_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A fresh 32-character nonce from the OS's random source. */
export function makeNonce(): string {
  return [...randomBytes(32)].map((b) => NONCE_CHARS[b % NONCE_CHARS.length]).join('');
}

export const escapeAttr = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function webviewPage(o: WebviewPageOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeAttr(csp(o.cspSource, o.nonce))}">
<meta property="csp-nonce" content="${escapeAttr(o.nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeAttr(o.styleUri)}">
<title>${escapeAttr(o.title)}</title>
</head>
<body>
${o.body.trim()}
<script nonce="${escapeAttr(o.nonce)}" src="${escapeAttr(o.scriptUri)}"></script>
</body>
</html>`;
}
