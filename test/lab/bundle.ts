// Lab daemons written in TypeScript run from one esbuild bundle with plain node, not through tsx:
// tsx's loader (and its esbuild service) roughly doubles a small daemon's memory.
import { renameSync } from 'node:fs';
import { build } from 'esbuild';

/** Bundles entry (and what it imports) into outfile, an ES module for node; returns outfile. */
export async function bundleDaemon(entry: string, outfile: string): Promise<string> {
  const tmp = `${outfile}.${process.pid}.tmp.mjs`;
  await build({
    entryPoints: [entry],
    outfile: tmp,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
    // CommonJS dependencies may call require().
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  renameSync(tmp, outfile);
  return outfile;
}
