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

// esbuild turns each `import * as vscode from 'vscode'` into its own copy of the whole API object
// (__toESM over every property, once per importing module: ~70 modules in dist/main.js). Every import of
// `vscode` in the bundle goes through one module instead, which re-exports it once.
const VSCODE_ONCE = 'vscode-once';
const vscodeOnce = {
  name: 'vscode-once',
  setup(build) {
    build.onResolve({ filter: /^vscode$/ }, (args) => (args.namespace === VSCODE_ONCE ? { path: 'vscode', external: true } : { path: 'vscode', namespace: VSCODE_ONCE }));
    build.onLoad({ filter: /.*/, namespace: VSCODE_ONCE }, () => ({ contents: "export * from 'vscode';", loader: 'js', resolveDir: '.' }));
  },
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
    plugins: [vscodeOnce],
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
