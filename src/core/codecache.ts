// Loads a CommonJS bundle (the features bundle, dist/main.js) through V8's code cache, the way Node's own
// module.enableCompileCache (Node ≥ 22.1) and VS Code's cached data for its workbench do: the first load
// compiles as `require` would and, once the bundle has run for a while, saves what V8 compiled (the
// functions that ran included); later loads hand that to V8 and skip parsing and compiling the bundle.
// V8 checks the cache against the source and its own version and flags and rejects one that does not
// fit; a rejected or unreadable cache costs one ordinary compile and is replaced.
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Script } from 'node:vm';

export type CacheUse = 'used' | 'rejected' | 'none' | 'off';

export interface CachedLoad<T> {
  exports: T;
  /** What the cache did: used, rejected by V8 (stale or damaged), none there yet, or no cache dir. */
  cache: CacheUse;
  /** Time to read and compile the bundle, and to run its top level (ms). */
  compileMs: number;
  runMs: number;
  /** Writes the code V8 has compiled so far for the next load (no-op when the cache was used). */
  save(): boolean;
}

/** The cache file for a bundle: named by the bundle's size and mtime and V8's version, so a rebuild never meets an old one. */
export function cacheFileFor(file: string, cacheDir: string): string {
  const st = statSync(file);
  return join(cacheDir, `${basename(file)}.${st.size}-${Math.trunc(st.mtimeMs)}.v8-${process.versions.v8}.cache`);
}

/**
 * Loads `file` as a CommonJS module with the given `require` (so the bundle's own requires resolve as
 * the caller's do). An exception thrown by the bundle's own code propagates; trouble with the cache never does.
 */
export function requireWithCodeCache<T>(file: string, cacheDir: string | undefined, req: NodeJS.Require): CachedLoad<T> {
  const t0 = performance.now();
  const source = readFileSync(file, 'utf8');
  let cacheFile: string | undefined;
  let cachedData: Buffer | undefined;
  if (cacheDir) {
    try {
      cacheFile = cacheFileFor(file, cacheDir);
      cachedData = readFileSync(cacheFile);
    } catch {
      cachedData = undefined; // none yet (or unreadable): compile as usual
    }
  }
  // Node's own wrapper, on the source's first line, so line numbers in stack traces stay the bundle's.
  const wrapped = `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;
  const script = new Script(wrapped, { filename: file, ...(cachedData ? { cachedData } : {}) });
  const cache: CacheUse = !cacheFile ? 'off' : !cachedData ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  const t1 = performance.now();
  const mod = { exports: {} as T, id: file, filename: file, loaded: false };
  const fn = script.runInThisContext() as (e: unknown, r: NodeJS.Require, m: unknown, f: string, d: string) => void;
  fn.call(mod.exports, mod.exports, req, mod, file, dirname(file));
  mod.loaded = true;
  const t2 = performance.now();
  return {
    exports: mod.exports,
    cache,
    compileMs: t1 - t0,
    runMs: t2 - t1,
    save: () => {
      if (!cacheFile || !cacheDir || cache === 'used') return false;
      try {
        mkdirSync(cacheDir, { recursive: true });
        const prefix = `${basename(file)}.`;
        for (const name of readdirSync(cacheDir)) {
          if (name.startsWith(prefix) && name.endsWith('.cache') && join(cacheDir, name) !== cacheFile) unlinkSync(join(cacheDir, name));
        }
        const tmp = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
        return true;
      } catch {
        return false; // a read-only or full disk: the next load compiles as usual
      }
    },
  };
}
