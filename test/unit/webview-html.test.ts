// Both webview panels are served in the same strict page: one nonce'd script, one stylesheet, nothing inline.
import assert from 'node:assert/strict';
import { loadHtml } from '../../src/ui/load/html';
import { metricsHtml } from '../../src/ui/metrics/html';
import { csp, makeNonce } from '../../src/ui/webview/page';

describe('webview pages', () => {
  const src = 'https://file+.vscode-resource.vscode-cdn.net';
  for (const [name, build] of [
    ['metrics', metricsHtml],
    ['load', loadHtml],
  ] as const) {
    it(`the ${name} panel has the strict CSP, the nonce'd script and no inline script or style`, () => {
      const nonce = makeNonce();
      const html = build({ cspSource: src, nonce, scriptUri: `${src}/dist/webview/${name}.js`, styleUri: `${src}/dist/webview/${name}.css` });
      assert.ok(html.includes(`content="${csp(src, nonce)}"`));
      assert.deepEqual([...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]), [` nonce="${nonce}" src="${src}/dist/webview/${name}.js"`]);
      assert.doesNotMatch(html, /style="|<style|unsafe-inline|unsafe-eval/);
      assert.ok(html.includes(`<meta property="csp-nonce" content="${nonce}">`));
    });
  }
});
