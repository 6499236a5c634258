// The metrics webview's HTML (shared by the extension and the browser benchmark harness).
import { webviewPage } from '../webview/page';

export { csp, makeNonce } from '../webview/page';

export interface WebviewHtmlOptions {
  /** webview.cspSource */
  cspSource: string;
  nonce: string;
  scriptUri: string;
  styleUri: string;
  title?: string;
}

/** The metrics panel's static markup (its script fills it). */
export const METRICS_BODY = `
<h1 id="title">Metrics</h1>
<div id="toolbar" class="toolbar"></div>
<div id="status" class="status"></div>
<div id="refresh-info" class="refresh-info"></div>
<div id="skipped"></div>
<main id="grid" class="grid"></main>
<section id="top" class="top"></section>`;

export function metricsHtml(o: WebviewHtmlOptions): string {
  return webviewPage({
    ...o,
    title: o.title ?? 'Sock Shop Metrics',
    body: METRICS_BODY,
  });
}
