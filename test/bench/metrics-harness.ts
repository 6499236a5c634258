// A standalone page for the metrics webview in Chromium: the same HTML and CSP the extension serves
// (src/core/observability/html.ts), dist/webview/metrics.js and .css, a VS Code theme's --vscode-*
// variables, and a stand-in for acquireVsCodeApi() that bridges messages to a MetricsController in
// this process (page.exposeFunction one way, window.postMessage the other). VS Code itself is the one
// part that cannot run here; the e2e suite covers the panel inside code-server.
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { makeNonce, metricsHtml } from '../../src/ui/metrics/html';
import type { MetricsController } from '../../src/core/observability/controller';
import type { HostMessage } from '../../src/common/contracts/metrics';

const ROOT = resolve(import.meta.dirname, '..', '..');

export type Theme = 'dark' | 'light' | 'high-contrast';

// Colours of VS Code's Dark Modern / Light Modern / High Contrast themes for the variables the panel
// and the toolkit read.
const THEMES: Record<Theme, Record<string, string>> = {
  dark: {
    foreground: '#cccccc', 'editor-background': '#1f1f1f', 'editorWidget-background': '#202020', 'editorWidget-border': '#454545',
    'panel-border': '#2b2b2b', descriptionForeground: '#9d9d9d', errorForeground: '#f85149', focusBorder: '#0078d4',
    'textBlockQuote-background': '#2b2b2b', 'editorWarning-foreground': '#cca700', 'input-background': '#313131', 'input-border': '#3c3c3c',
    'charts-blue': '#3794ff', 'charts-orange': '#d18616', 'charts-green': '#89d185', 'charts-purple': '#b180d7', 'charts-yellow': '#cca700', 'charts-red': '#f14c4c',
    'button-background': '#0078d4', 'button-foreground': '#ffffff', 'button-hoverBackground': '#026ec1', 'button-secondaryBackground': '#313131', 'button-secondaryForeground': '#cccccc',
    'dropdown-background': '#313131', 'dropdown-border': '#3c3c3c', 'dropdown-foreground': '#cccccc', 'list-hoverBackground': '#2a2d2e', 'list-activeSelectionBackground': '#04395e',
    'badge-background': '#616161', 'badge-foreground': '#f8f8f8', 'progressBar-background': '#0078d4', 'inputValidation-errorBorder': '#be1100',
    'font-family': 'system-ui, "Segoe UI", Ubuntu, sans-serif', 'font-size': '13px', 'font-weight': 'normal',
  },
  light: {
    foreground: '#3b3b3b', 'editor-background': '#ffffff', 'editorWidget-background': '#f8f8f8', 'editorWidget-border': '#c8c8c8',
    'panel-border': '#e5e5e5', descriptionForeground: '#717171', errorForeground: '#e51400', focusBorder: '#005fb8',
    'textBlockQuote-background': '#f8f8f8', 'editorWarning-foreground': '#bf8803', 'input-background': '#ffffff', 'input-border': '#cecece',
    'charts-blue': '#1a85ff', 'charts-orange': '#d18616', 'charts-green': '#388a34', 'charts-purple': '#652d90', 'charts-yellow': '#bf8803', 'charts-red': '#e51400',
    'button-background': '#005fb8', 'button-foreground': '#ffffff', 'button-hoverBackground': '#0258a8', 'button-secondaryBackground': '#e5e5e5', 'button-secondaryForeground': '#3b3b3b',
    'dropdown-background': '#ffffff', 'dropdown-border': '#cecece', 'dropdown-foreground': '#3b3b3b', 'list-hoverBackground': '#f2f2f2', 'list-activeSelectionBackground': '#e8e8e8',
    'badge-background': '#cccccc', 'badge-foreground': '#3b3b3b', 'progressBar-background': '#005fb8', 'inputValidation-errorBorder': '#be1100',
    'font-family': 'system-ui, "Segoe UI", Ubuntu, sans-serif', 'font-size': '13px', 'font-weight': 'normal',
  },
  'high-contrast': {
    foreground: '#ffffff', 'editor-background': '#000000', 'editorWidget-background': '#0c141f', 'editorWidget-border': '#6fc3df',
    'panel-border': '#6fc3df', descriptionForeground: '#ffffff', errorForeground: '#f48771', focusBorder: '#f38518',
    'textBlockQuote-background': '#000000', 'editorWarning-foreground': '#ffd700', 'input-background': '#000000', 'input-border': '#6fc3df',
    'charts-blue': '#3794ff', 'charts-orange': '#d18616', 'charts-green': '#89d185', 'charts-purple': '#b180d7', 'charts-yellow': '#ffd700', 'charts-red': '#f48771',
    'button-background': '#000000', 'button-foreground': '#ffffff', 'button-hoverBackground': '#000000', 'button-secondaryBackground': '#000000', 'button-secondaryForeground': '#ffffff', 'button-border': '#6fc3df',
    'dropdown-background': '#000000', 'dropdown-border': '#6fc3df', 'dropdown-foreground': '#ffffff', 'list-hoverBackground': '#000000', 'list-activeSelectionBackground': '#000000',
    'badge-background': '#000000', 'badge-foreground': '#ffffff', 'progressBar-background': '#6fc3df', 'inputValidation-errorBorder': '#f48771', contrastBorder: '#6fc3df', contrastActiveBorder: '#f38518',
    'font-family': 'system-ui, "Segoe UI", Ubuntu, sans-serif', 'font-size': '13px', 'font-weight': 'normal',
  },
};

const FAKE_API = `(() => {
  const cls = document.documentElement.dataset.theme === 'light' ? 'vscode-light' : document.documentElement.dataset.theme === 'high-contrast' ? 'vscode-high-contrast' : 'vscode-dark';
  document.body.classList.add(cls);
  let saved = window.__savedState;
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.__toHost(m),
    getState: () => saved,
    setState: (s) => { saved = s; window.__savedState = s; },
  });
})();`;

export interface Harness {
  page: Page;
  browser: Browser;
  origin: string;
  /** CSP violations and page errors seen (must stay empty). */
  problems: string[];
  /** Connects the controller: its pushes go to the page, the page's requests to it. */
  close(): Promise<void>;
}

export async function openHarness(controller: MetricsController, theme: Theme, viewport = { width: 1400, height: 1000 }, post?: (sink: (m: HostMessage) => void) => void): Promise<Harness> {
  let origin = '';
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', origin);
    const send = (type: string, body: string | Buffer) => {
      res.writeHead(200, { 'Content-Type': type });
      res.end(body);
    };
    if (url.pathname === '/') {
      const nonce = makeNonce();
      let html = metricsHtml({ cspSource: origin, nonce, scriptUri: `${origin}/dist/webview/metrics.js`, styleUri: `${origin}/dist/webview/metrics.css` });
      html = html
        .replace('<html lang="en">', `<html lang="en" data-theme="${theme}">`)
        .replace('<link rel="stylesheet"', `<link rel="stylesheet" href="${origin}/harness/theme.css">\n<link rel="stylesheet"`)
        .replace(`<script nonce="${nonce}" src=`, `<script nonce="${nonce}" src="${origin}/harness/vscode-api.js"></script>\n<script nonce="${nonce}" src=`);
      return send('text/html', html);
    }
    if (url.pathname === '/harness/theme.css') {
      return send('text/css', `:root {\n${Object.entries(THEMES[theme]).map(([k, v]) => `  --vscode-${k}: ${v};`).join('\n')}\n}\n`);
    }
    if (url.pathname === '/harness/vscode-api.js') return send('text/javascript', FAKE_API);
    if (url.pathname.startsWith('/dist/webview/') && /^[\w.-]+$/.test(url.pathname.slice(14))) {
      const file = join(ROOT, url.pathname);
      return send(file.endsWith('.css') ? 'text/css' : 'text/javascript', readFileSync(file));
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport, colorScheme: theme === 'light' ? 'light' : 'dark' });
  const problems: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`csp: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`error: ${e.message}`));
  let ready = false;
  const queue: HostMessage[] = [];
  const deliver = (m: HostMessage) => {
    if (!ready) return void queue.push(m);
    void page.evaluate((msg) => window.postMessage(msg, '*'), m as unknown as Record<string, unknown>).catch(() => undefined);
  };
  post?.(deliver);
  await page.exposeFunction('__toHost', (m: unknown) => {
    void controller.handle(m as Parameters<MetricsController['handle']>[0]);
  });
  await page.goto(`${origin}/`);
  ready = true;
  for (const m of queue.splice(0)) deliver(m);
  return {
    page,
    browser,
    origin,
    problems,
    async close() {
      await browser.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
