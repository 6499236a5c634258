// The Load panel's HTML, in the same strict page as the metrics panel (src/core/webview-html.ts).
import { webviewPage } from '../webview/page';

export interface LoadHtmlOptions {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

export function loadHtml(o: LoadHtmlOptions): string {
  return webviewPage({
    ...o,
    title: 'Load',
    body: `
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
<section id="endpoints" class="endpoints"></section>`,
  });
}
