// `npm run lab` the way a service manager or a background job starts it: stdin closed, no terminal. It
// must stay in the foreground until SIGTERM and then leave no process behind; `npm run lab -- down`
// must end the code-server that `npm run lab` started. Each test runs its own lab (cluster only) in a
// temporary SOCK_SHOP_LAB_HOME on free ports, next to whatever lab the rest of the suite uses.
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './support.ts';

const ROOT = join(import.meta.dirname, '..', '..');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

/** Live (non-zombie) processes whose command line mentions `text`. */
function processesMentioning(text: string): string[] {
  const found: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) continue;
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      if (cmd.includes(text)) found.push(`${pid}: ${cmd.slice(0, 160)}`);
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function httpStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = get(url, { timeout: 5_000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error('timeout')));
  });
}

interface RunningLab {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** The `npm run lab` node process (the pid it tells people to kill). */
  cliPid: number;
  url: string;
  codeServerPid: number;
  /** Every pid the lab recorded in its state.json. */
  labPids: number[];
}

function labEnv(home: string, port: number): NodeJS.ProcessEnv {
  return { ...process.env, SOCK_SHOP_LAB_HOME: home, SOCK_SHOP_LAB_PORT: String(port), SOCK_SHOP_LAB_COMPONENTS: 'cluster' };
}

/** Starts `npm run lab` and waits until it says the editor is up. */
async function startLab(home: string, port: number): Promise<RunningLab> {
  const child = spawn('npm', ['run', 'lab'], { cwd: ROOT, env: labEnv(home, port), stdio: ['pipe', 'pipe', 'pipe'] });
  // Closed stdin: what a service manager, `nohup … &` or a CI step gives it.
  child.stdin!.end();
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let ended = false;
  void exited.then(() => (ended = true));
  const m = await until('`npm run lab` to print its URL and pid', 420_000, () => {
    if (ended) throw new Error(`npm run lab exited before it was up:\n${out.slice(-3000)}`);
    return (/Sock Shop Lab is running/.test(out) && /kill (\d+)/.exec(out)) || undefined;
  }, 500).catch((err: Error) => {
    child.kill('SIGKILL');
    throw new Error(`${err.message}\n${out.slice(-3000)}`);
  });
  const record = JSON.parse(readFileSync(join(home, 'playground.json'), 'utf8')) as { pid: number; url: string; owner: number };
  const state = JSON.parse(readFileSync(join(home, 'state.json'), 'utf8')) as { components: Record<string, { pids?: Record<string, number> }> };
  const labPids = Object.values(state.components).flatMap((c) => Object.values(c.pids ?? {}));
  return { child, output: () => out, exited, cliPid: Number(m[1]), url: record.url, codeServerPid: record.pid, labPids };
}

async function assertNothingLeft(home: string, lab: RunningLab): Promise<void> {
  const left = await until('every process of the lab and code-server to end', 60_000, () => {
    const l = processesMentioning(home);
    return l.length === 0 ? l : false;
  }, 500).catch(() => processesMentioning(home));
  assert.deepEqual(left, [], `processes left behind:\n${left.join('\n')}\n--- output ---\n${lab.output().slice(-2000)}`);
  for (const pid of [lab.cliPid, lab.codeServerPid, ...lab.labPids]) assert.ok(!alive(pid), `pid ${pid} is still running`);
  await assert.rejects(httpStatus(lab.url), 'code-server still answers');
}

describe('npm run lab without a terminal', function () {
  this.timeout(600_000);
  const homes: string[] = [];
  const children: ChildProcess[] = [];

  after(async () => {
    // Whatever a failed test left running is stopped through the lab's own `down`.
    for (const home of homes) {
      if (processesMentioning(home).length) spawnSync('npm', ['run', 'lab', '--', 'down'], { cwd: ROOT, env: labEnv(home, 0), encoding: 'utf8', timeout: 120_000 });
      rmSync(home, { recursive: true, force: true });
    }
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('with stdin closed stays in the foreground until SIGTERM, then leaves no process', async () => {
    const home = mkdtempSync(join(tmpdir(), 'sock-shop-lab-cli-'));
    homes.push(home);
    const lab = await startLab(home, await freePort());
    children.push(lab.child);
    assert.match(lab.output(), /Stop code-server and the lab with Ctrl-C, `kill \d+` \(SIGTERM\) or `npm run lab -- down`/);
    assert.doesNotMatch(lab.output(), /Press Ctrl-C/);
    // It is still there some seconds later, and so is code-server.
    await new Promise((r) => setTimeout(r, 5_000));
    assert.equal(lab.child.exitCode, null, `npm run lab ended by itself:\n${lab.output().slice(-2000)}`);
    assert.ok(alive(lab.cliPid) && alive(lab.codeServerPid));
    assert.equal(await httpStatus(`${lab.url}healthz`), 200);
    assert.ok(lab.labPids.length >= 3, `the lab recorded its processes: ${lab.labPids.join(', ')}`);

    process.kill(lab.cliPid, 'SIGTERM');
    const code = await Promise.race([lab.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 120_000))]);
    assert.equal(code, 0, `npm run lab after SIGTERM: ${code}\n${lab.output().slice(-2000)}`);
    assert.match(lab.output(), /SIGTERM received: stopping code-server and the lab/);
    await assertNothingLeft(home, lab);
  });

  it('`npm run lab -- down` stops the code-server `npm run lab` started, and the foreground process ends with it', async () => {
    const home = mkdtempSync(join(tmpdir(), 'sock-shop-lab-cli-'));
    homes.push(home);
    const port = await freePort();
    const lab = await startLab(home, port);
    children.push(lab.child);
    const down = spawnSync('npm', ['run', 'lab', '--', 'down'], { cwd: ROOT, env: labEnv(home, port), encoding: 'utf8', timeout: 180_000 });
    assert.equal(down.status, 0, `${down.stdout}\n${down.stderr}`);
    assert.match(down.stdout, new RegExp(`code-server \\(pid ${lab.codeServerPid}\\) stopped`));
    const code = await Promise.race([lab.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 120_000))]);
    assert.equal(code, 0, `npm run lab after down: ${code}\n${lab.output().slice(-2000)}`);
    assert.match(lab.output(), /code-server has exited: stopping code-server and the lab/);
    await assertNothingLeft(home, lab);
  });
});
