// The metrics webview's HTML: strict CSP with one nonce, no unsafe-inline/unsafe-eval, assets only from
// the webview's resource origin, and the toolkit's csp-nonce meta.
import assert from 'node:assert/strict';
import { csp, makeNonce, metricsHtml } from '../../src/ui/metrics/html';

describe('observability: webview HTML and CSP', () => {
  const nonce = makeNonce();
  const src = 'https://file+.vscode-resource.vscode-cdn.net';
  const html = metricsHtml({ cspSource: src, nonce, scriptUri: `${src}/dist/webview/metrics.js`, styleUri: `${src}/dist/webview/metrics.css` });

  it('has a strict policy', () => {
    const policy = csp(src, nonce);
    assert.equal(policy, `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${src} 'nonce-${nonce}'; font-src ${src}; img-src ${src} data:`);
    assert.doesNotMatch(policy, /unsafe-inline|unsafe-eval|\*/);
    assert.ok(html.includes(`content="${policy}"`));
  });

  it('loads one script with the nonce and one stylesheet, nothing inline', () => {
    assert.deepEqual([...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]), [` nonce="${nonce}" src="${src}/dist/webview/metrics.js"`]);
    assert.deepEqual([...html.matchAll(/<link rel="stylesheet" href="([^"]+)">/g)].map((m) => m[1]), [`${src}/dist/webview/metrics.css`]);
    assert.doesNotMatch(html, /style="|<style/);
    assert.ok(html.includes(`<meta property="csp-nonce" content="${nonce}">`));
  });

  it('makes a fresh 32-character nonce each time', () => {
    const a = makeNonce();
    assert.match(a, /^[A-Za-z0-9]{32}$/);
    assert.notEqual(a, makeNonce());
  });
});
