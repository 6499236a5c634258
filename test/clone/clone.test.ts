// A clone with nothing beside it: the project's tracked files (and the work tree's new ones) copied into an
// empty temporary directory, with the npm packages linked in. There, the unit suite passes and the lab comes
// up and goes down: nothing the project needs lives outside its own tree (reference data included), and
// the shared caches (~/.cache/sock-shop-lab) are the only things it reuses.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { REPO_ROOT } from '../lab/paths.ts';

describe('clone: the project in an empty directory', function () {
  let parent: string;
  let clone: string;
  let env: NodeJS.ProcessEnv;

  before(function () {
    parent = mkdtempSync(join(tmpdir(), 'sock-shop-clone-'));
    clone = join(parent, 'sock-shop-lab');
    const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' });
    assert.equal(files.status, 0, files.stderr);
    let copied = 0;
    for (const f of files.stdout.split('\0').filter(Boolean)) {
      const from = join(REPO_ROOT, f);
      if (!existsSync(from)) continue; // deleted in the work tree, not yet in a commit
      mkdirSync(dirname(join(clone, f)), { recursive: true });
      copyFileSync(from, join(clone, f));
      copied++;
    }
    assert.ok(copied > 100, `${copied} files copied`);
    // npm packages come from the registry through `npm ci`; the checkout's are the same lock file's.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(clone, 'node_modules'), 'dir');
    env = { ...process.env, SOCK_SHOP_LAB_HOME: join(parent, 'lab-home') };
    // Nothing may point back at the checkout or at data outside the clone.
    for (const k of ['SOCK_SHOP_LAB_REFERENCE', 'SOCK_SHOP_DO_SPEC', 'SOCK_SHOP_LAB_DASHBOARDS', 'SOCK_SHOP_TEST_COUNTS']) delete env[k];
  });

  after(function () {
    this.timeout(120_000);
    if (clone && existsSync(join(clone, 'test', 'lab', 'cli.ts'))) {
      spawnSync(process.execPath, ['--import', 'tsx', 'test/lab/cli.ts', 'down'], { cwd: clone, env, encoding: 'utf8', timeout: 120_000 });
    }
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  it('has nothing beside it', () => {
    assert.deepEqual(readdirSync(parent), ['sock-shop-lab']);
  });

  it('passes the unit suite', function () {
    this.timeout(600_000);
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/run.ts', 'unit'], { cwd: clone, env, encoding: 'utf8', timeout: 590_000 });
    const out = `${r.stdout}\n${r.stderr}`;
    const summary = /^(\d+) passed, (\d+) failed/m.exec(r.stdout.split('\n').filter((l) => /^\d+ passed, \d+ failed/.test(l)).pop() ?? '');
    assert.ok(summary, `no summary line:\n${out.slice(-4000)}`);
    assert.equal(Number(summary[2]), 0, `failures in the clone:\n${out.slice(-8000)}`);
    assert.ok(Number(summary[1]) > 100, `${summary[1]} tests passed`);
    assert.equal(r.status, 0);
  });

  it('brings the lab up and down', function () {
    this.timeout(600_000);
    const up = spawnSync(process.execPath, ['--import', 'tsx', 'test/lab/cli.ts', 'up'], { cwd: clone, env, encoding: 'utf8', timeout: 580_000 });
    assert.equal(up.status, 0, `lab up in the clone failed:\n${up.stdout.slice(-3000)}\n${up.stderr.slice(-5000)}`);
    const status = spawnSync(process.execPath, ['--import', 'tsx', 'test/lab/cli.ts', 'status'], { cwd: clone, env, encoding: 'utf8', timeout: 60_000 });
    assert.equal(status.status, 0, status.stderr);
    assert.match(`${status.stdout}${status.stderr}`, /digitalocean/i);
    const down = spawnSync(process.execPath, ['--import', 'tsx', 'test/lab/cli.ts', 'down'], { cwd: clone, env, encoding: 'utf8', timeout: 120_000 });
    assert.equal(down.status, 0, `lab down in the clone failed:\n${down.stderr.slice(-3000)}`);
  });
});
