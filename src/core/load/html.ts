// The Load panel's HTML. Same strict CSP as the metrics panel: scripts only with the nonce, styles and fonts
// only from the webview's resource origin, no inline styles, no eval.
import { csp } from '../observability/html';

export interface LoadHtmlOptions {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export function loadHtml(o: LoadHtmlOptions): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${esc(csp(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${esc(o.styleUri)}">
<title>Load</title>
</head>
<body>
<header class="head">
  <div><h1 id="title">Load</h1><div id="subtitle" class="subtitle"></div></div>
  <div id="actions" class="actions"></div>
</header>
<div id="status" class="status"></div>
<section id="tiles" class="tiles"></section>
<section class="charts">
  <div class="chart"><h2>Requests/s</h2><div id="chart-rps"></div></div>
  <div class="chart"><h2>Latency (ms)</h2><div id="chart-latency"></div></div>
  <div class="chart"><h2>Failures (%)</h2><div id="chart-failures"></div></div>
</section>
<section id="breakdown" class="breakdown"></section>
<section id="endpoints" class="endpoints"></section>
<script nonce="${esc(o.nonce)}" src="${esc(o.scriptUri)}"></script>
</body>
</html>`;
}
