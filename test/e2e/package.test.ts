// The packaged .vsix (built by the e2e hooks exactly as `npm run package` builds it) is small and holds
// only what users run: bundles, media, manifests, snippets and metadata — no sources, tests or maps.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { VSIX } from '../lab/playground.ts';

const root = join(import.meta.dirname, '..', '..');

describe('e2e: the packaged .vsix', () => {
  it('is under 2 MB', () => {
    const size = statSync(VSIX).size;
    assert.ok(size < 2 * 1024 * 1024, `${VSIX} is ${(size / 1024 / 1024).toFixed(2)} MB`);
  });

  it('contains no test files, sources or source maps', () => {
    const r = spawnSync(
      process.execPath,
      [join(root, 'node_modules', '@vscode', 'vsce', 'vsce'), 'ls', '--no-dependencies'],
      { cwd: root, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const files = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
    assert.ok(files.includes('dist/extension.js') && files.includes('dist/main.js'), files.join('\n'));
    assert.ok(files.some((f) => f.startsWith('snippets/')) && files.some((f) => f.startsWith('manifests/')));
    const unwanted = files.filter((f) => /^(src|test|node_modules)\/|\.ts$|\.map$|^\.lab\//.test(f));
    assert.deepEqual(unwanted, []);
  });
});
