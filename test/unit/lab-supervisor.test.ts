// The lab's control-plane supervisor on a kwokctl-shaped cluster directory whose "components" are
// `sh -c 'sleep …'` processes (a unit test starts no Kubernetes binaries; the integration suite
// kills the real kube-controller-manager): restart after the back-off, pid file rewritten, restarts
// counted, and no restart once the pid file is removed (kwokctl stopped the component on purpose).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { backoffMs, readSupervisorStatus, runSupervisor, SUPERVISED } from '../lab/supervisor.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, ms: number, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('lab supervisor', function () {
  this.timeout(8_000);
  let dir: string;
  const started: number[] = [];

  const pidOf = (name: string) => Number(readFileSync(join(dir, 'pids', `${name}.pid`), 'utf8'));
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lab-supervisor-'));
    mkdirSync(join(dir, 'pids'));
    mkdirSync(join(dir, 'logs'));
    // $0 of the shell is the cluster dir, so its command line names it as the cluster's processes do.
    const components = SUPERVISED.map((name) => ({ name, binary: '/bin/sh', args: ['-c', 'sleep 30', dir], workDir: dir }));
    writeFileSync(join(dir, 'kwok.yaml'), YAML.stringify({ kind: 'KwokctlConfiguration', components }));
    for (const c of components) {
      const child = spawn(c.binary, c.args, { detached: true, stdio: 'ignore' });
      child.unref();
      started.push(child.pid!);
      writeFileSync(join(dir, 'pids', `${c.name}.pid`), String(child.pid));
    }
  });

  afterEach(() => {
    for (const name of SUPERVISED) {
      try {
        started.push(pidOf(name));
      } catch {
        /* removed by the test */
      }
    }
    for (const pid of started.splice(0)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('backs off 1 s, 2 s, 4 s … up to 30 s', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(backoffMs), [1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('restarts a component that exited, after the back-off, and counts it', async () => {
    const status = join(dir, 'supervisor.json');
    const sup = runSupervisor(dir, status, 50, () => undefined);
    try {
      const first = pidOf('kube-controller-manager');
      const scheduler = pidOf('kube-scheduler');
      process.kill(first, 'SIGKILL');
      const killedAt = Date.now();
      const second = await until('a new controller-manager pid', 4000, () => {
        const p = pidOf('kube-controller-manager');
        return p !== first && alive(p) ? p : undefined;
      });
      assert.ok(Date.now() - killedAt >= 950, 'waited the 1 s back-off');
      const st = await until('the status file to count it', 2000, () => {
        const s = readSupervisorStatus(status);
        return s?.components['kube-controller-manager'].restarts === 1 ? s : undefined;
      });
      assert.equal(st.components['kube-controller-manager'].pid, second);
      assert.ok(st.components['kube-controller-manager'].lastExit);
      assert.equal(st.components['kube-scheduler'].restarts, 0);
      assert.equal(pidOf('kube-scheduler'), scheduler, 'the other component is left alone');

      // Its own child exiting: the exit status is known; the second restart waits 2 s.
      process.kill(second, 'SIGTERM');
      const t = Date.now();
      await until('the second restart', 5000, () => {
        const p = pidOf('kube-controller-manager');
        return p !== second && alive(p) ? p : undefined;
      });
      assert.ok(Date.now() - t >= 1950, 'the back-off doubled');
      const st2 = readSupervisorStatus(status)!;
      assert.equal(st2.components['kube-controller-manager'].restarts, 2);
      assert.equal(st2.components['kube-controller-manager'].lastExitStatus, 'signal SIGTERM');
    } finally {
      sup.stop();
    }
  });

  it('keeps counting where a previous supervisor of the same status file stopped', async () => {
    const status = join(dir, 'supervisor.json');
    writeFileSync(status, JSON.stringify({ pid: 1, since: '', components: { 'kube-scheduler': { pid: 1, restarts: 3, lastRestart: '2026-01-01T00:00:00.000Z' } } }));
    const sup = runSupervisor(dir, status, 50, () => undefined);
    try {
      assert.equal(readSupervisorStatus(status)!.components['kube-scheduler'].restarts, 3);
      const pid = pidOf('kube-scheduler');
      process.kill(pid, 'SIGKILL');
      await until('the fourth restart', 4000, () => (readSupervisorStatus(status)?.components['kube-scheduler'].restarts === 4 ? true : undefined));
      assert.equal(readSupervisorStatus(status)!.components['kube-controller-manager'].restarts, 0);
    } finally {
      sup.stop();
    }
  });

  it('leaves a component alone once its pid file is gone (stopped on purpose)', async () => {
    const sup = runSupervisor(dir, join(dir, 'supervisor.json'), 50, () => undefined);
    try {
      const pid = pidOf('kube-scheduler');
      unlinkSync(join(dir, 'pids', 'kube-scheduler.pid'));
      process.kill(pid, 'SIGKILL');
      started.push(pid);
      await sleep(1500);
      assert.throws(() => pidOf('kube-scheduler'), 'no new pid file: not restarted');
    } finally {
      sup.stop();
    }
  });
});
