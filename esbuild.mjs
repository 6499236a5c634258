// Bundles the extension. Two Node bundles so activation stays cheap:
//   dist/extension.js  activation entry (tiny; `vscode` external)
//   dist/main.js       everything else, loaded on first use (bundles @kubernetes/client-node's ESM)
// plus worker bundles (Node) and webview bundles (browser IIFE, loaded with a CSP nonce).
//   node esbuild.mjs [--production] [--watch]
import * as esbuild from 'esbuild';
import { existsSync } from 'node:fs';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');

const nodeEntries = {
  extension: 'src/extension.ts',
  main: 'src/ui/main.ts',
  // Worker threads and child processes run from their own bundles.
  'load-worker': 'src/core/load/worker.ts',
  // The headless chaos runner (node dist/chaos.js run file.chaos.yaml).
  chaos: 'src/cli/chaos.ts',
};
const webviewEntries = {
  // One bundle per webview panel: 'webview/<panel>': 'src/webview/<panel>/index.ts'
  'webview/metrics': 'src/webview/metrics/index.ts',
  'webview/load': 'src/webview/load/index.ts',
};

const present = (entries) => Object.fromEntries(Object.entries(entries).filter(([, file]) => existsSync(file)));

const common = {
  bundle: true,
  minify: production,
  sourcemap: !production,
  sourcesContent: false,
  logLevel: 'info',
  legalComments: 'none',
};

const configs = [
  {
    ...common,
    entryPoints: present(nodeEntries),
    outdir: 'dist',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['vscode'],
    // client-node pulls optional native helpers it can live without.
    mainFields: ['module', 'main'],
  },
  {
    ...common,
    entryPoints: present(webviewEntries),
    outdir: 'dist',
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'css' },
  },
].filter((c) => Object.keys(c.entryPoints).length > 0);

if (watch) {
  for (const c of configs) await (await esbuild.context(c)).watch();
} else {
  for (const c of configs) await esbuild.build(c);
}
