// The features bundle's loader (src/core/codecache.ts): a CommonJS module run through V8's code cache.
import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheFileFor, requireWithCodeCache } from '../../src/core/codecache';

interface Probe {
  sum: (a: number, b: number) => number;
  base: string;
  file: string;
  dir: string;
  self: boolean;
}

const CHILD = join(import.meta.dirname, 'fixtures', 'codecache-child.ts');

/** A load in a process of its own (see the child's header): what the cache did and what the module returned. */
function loadInChild(file: string, cacheDir: string | undefined, save = false): { cache?: string; sum?: number; saved?: boolean; error?: string; stack?: string } {
  const out = execFileSync(process.execPath, ['--import', 'tsx', CHILD, file, cacheDir ?? '-', ...(save ? ['--save'] : [])], { encoding: 'utf8' });
  return JSON.parse(out);
}

const MODULE = (version: number) => `const path = require('node:path');
exports.sum = (a, b) => a + b + ${version};
exports.base = path.basename(__filename);
exports.file = __filename;
exports.dir = __dirname;
exports.self = this === module.exports;
`;

describe('features bundle loader (V8 code cache)', () => {
  let dir: string;
  let cacheDir: string;
  let file: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'codecache-'));
    cacheDir = join(dir, 'cache');
    file = join(dir, 'bundle.js');
    writeFileSync(file, MODULE(0));
  });

  it('runs the module as require would, then uses the cache it saved on the next load', () => {
    const first = requireWithCodeCache<Probe>(file, cacheDir, require);
    assert.equal(first.cache, 'none');
    assert.equal(first.exports.sum(1, 2), 3);
    assert.equal(first.exports.base, 'bundle.js');
    assert.equal(first.exports.file, file);
    assert.equal(first.exports.dir, dir);
    assert.equal(first.exports.self, true, 'this is module.exports at the top level, as in CommonJS');
    assert.equal(first.save(), true);
    assert.deepEqual(readdirSync(cacheDir), [cacheFileFor(file, cacheDir).slice(cacheDir.length + 1)]);

    const second = loadInChild(file, cacheDir, true);
    assert.equal(second.cache, 'used');
    assert.equal(second.sum, 3);
    assert.equal(second.saved, false, 'a used cache is not rewritten');
  });

  it('a rebuilt bundle gets a cache of its own and the old one is removed', () => {
    requireWithCodeCache<Probe>(file, cacheDir, require).save();
    const old = readdirSync(cacheDir);
    writeFileSync(file, `${MODULE(10)}// rebuilt\n`);
    const after = loadInChild(file, cacheDir, true);
    assert.equal(after.cache, 'none');
    assert.equal(after.sum, 13, 'the new source runs, not the cached old one');
    assert.equal(after.saved, true);
    const now = readdirSync(cacheDir);
    assert.equal(now.length, 1);
    assert.notDeepEqual(now, old);
  });

  it('a damaged cache is rejected by V8, the module still runs, and the cache is replaced', () => {
    requireWithCodeCache<Probe>(file, cacheDir, require).save();
    writeFileSync(cacheFileFor(file, cacheDir), Buffer.from('not V8 code cache data at all, just bytes'));
    const r = loadInChild(file, cacheDir, true);
    assert.equal(r.cache, 'rejected');
    assert.equal(r.sum, 3);
    assert.equal(r.saved, true);
    assert.equal(loadInChild(file, cacheDir).cache, 'used');
  });

  it('an exception in the module propagates, with the line number of the module source', () => {
    writeFileSync(file, "exports.a = 1;\n\nthrow new Error('broken bundle');\n");
    assert.throws(
      () => requireWithCodeCache(file, cacheDir, require),
      (err: Error) => err.message === 'broken bundle' && (err.stack ?? '').includes(`${file}:3:`),
    );
  });

  it('without a cache directory it loads without caching', () => {
    const r = requireWithCodeCache<Probe>(file, undefined, require);
    assert.equal(r.cache, 'off');
    assert.equal(r.exports.sum(0, 0), 0);
    assert.equal(r.save(), false);
  });

  it('an unwritable cache directory costs nothing but the cache', () => {
    const blocked = join(dir, 'a-file');
    writeFileSync(blocked, 'x');
    const r = requireWithCodeCache<Probe>(file, join(blocked, 'cache'), require);
    assert.equal(r.cache, 'none');
    assert.equal(r.save(), false);
    assert.equal(r.exports.sum(1, 1), 2);
  });
});
