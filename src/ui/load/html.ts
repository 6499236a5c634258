// The Load panel's HTML, in the same strict page as the metrics panel (src/ui/webview/page.ts).
import { webviewPage } from '../webview/page';

export interface LoadHtmlOptions {
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
}

/** The Load panel's static markup (its script fills it). */
export const LOAD_BODY = `
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
  <div class="chart" id="ready-lane" hidden><h2>Ready pods</h2><div id="chart-ready"></div></div>
</section>
<section id="markers" class="markers" hidden></section>
<section id="breakdown" class="breakdown"></section>
<section id="endpoints" class="endpoints"></section>`;

export function loadHtml(o: LoadHtmlOptions): string {
  return webviewPage({
    ...o,
    title: 'Load',
    body: LOAD_BODY,
  });
}
