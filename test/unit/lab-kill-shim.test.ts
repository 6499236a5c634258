// The lab's `kill` shim (first on kwok's PATH): `kill 1` in a lab container's exec asks the lab kubelet to
// kill that container; it never signals the machine's own PID 1; every other kill is the system's.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KILL_CONTAINER_ENV, KILL_REQUEST_PREFIX } from '../lab/dataplane/runtime.ts';

const SHIM = join(import.meta.dirname, '..', 'lab', 'dataplane', 'kill-shim.sh');

describe('lab kill shim', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'kill-shim-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));
  const run = (args: string[], container?: string) =>
    spawnSync('sh', [SHIM, ...args], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, ...(container ? { [KILL_CONTAINER_ENV]: container } : {}) } });

  it('kill 1 in a lab container leaves the request for that container, with the signal', () => {
    assert.equal(run(['1'], 'front-end').status, 0);
    assert.equal(readFileSync(join(dir, `${KILL_REQUEST_PREFIX}front-end`), 'utf8'), 'TERM\n');
    assert.equal(run(['-9', '1'], 'front-end').status, 0);
    assert.equal(readFileSync(join(dir, `${KILL_REQUEST_PREFIX}front-end`), 'utf8'), '9\n');
    assert.equal(run(['-KILL', '1'], 'carts').status, 0);
    assert.equal(readFileSync(join(dir, `${KILL_REQUEST_PREFIX}carts`), 'utf8'), 'KILL\n');
  });

  it('refuses kill 1 outside a lab container, and leaves no request', () => {
    const r = run(['-15', '1']);
    assert.equal(r.status, 1);
    assert.match(r.stderr, /refusing to signal PID 1 of the lab machine/);
    assert.equal(existsSync(join(dir, `${KILL_REQUEST_PREFIX}`)), false);
  });

  it('passes any other kill to the system', () => {
    const r = run(['-0', String(process.pid)], 'front-end');
    assert.equal(r.status, 0, r.stderr);
    assert.equal(run(['-0', '999999999'], 'front-end').status === 0, false, 'a pid that does not exist fails as /bin/kill does');
  });
});
