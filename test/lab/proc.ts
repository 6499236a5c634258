// Process helpers for the lab: start a daemon detached with its output in a log file, wait for it,
// and stop exactly that pid (and its process group) later.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export interface DaemonOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** File that receives stdout and stderr. */
  logFile: string;
}

/** Starts `cmd args` detached in its own process group; returns its pid. */
export function startDaemon(cmd: string, args: string[], opts: DaemonOptions): number {
  const fd = openSync(opts.logFile, 'a');
  try {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      detached: true,
      stdio: ['ignore', fd, fd],
    });
    if (child.pid === undefined) throw new Error(`${cmd} could not start (is it installed?)`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); treat it as gone.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z /.test(stat);
  } catch {
    return true;
  }
}

/** Sends SIGTERM to the pid's process group (falling back to the pid), then SIGKILL after graceMs. */
export async function stopPid(pid: number | undefined, graceMs = 5_000): Promise<void> {
  if (!pid || !isAlive(pid)) return;
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline) {
    if (!isAlive(pid)) return;
    await sleep(100);
  }
  signal('SIGKILL');
  while (isAlive(pid)) await sleep(50);
}

/** Resolves when `probe` returns true; rejects with `what` and the log's tail after timeoutMs. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean> | boolean,
  timeoutMs: number,
  logFile?: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    try {
      if (await probe()) return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    await sleep(200);
  }
  const tail = logFile && existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new Error(
    `${what} did not become ready within ${Math.round(timeoutMs / 1000)} s` +
      (lastError ? ` (last error: ${lastError})` : '') +
      (tail ? `\n--- last lines of ${logFile} ---\n${tail}` : ''),
  );
}

/** True when an HTTP GET of url answers with a status below 500. */
export async function httpReady(url: string): Promise<boolean> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
  await res.arrayBuffer();
  return res.status < 500;
}

/** Throws a clear message when a loopback port is already taken. */
export async function assertPortFree(port: number, who: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const srv = createServer();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === 'EADDRINUSE'
            ? `port ${port} on 127.0.0.1 is taken, so ${who} cannot start. Stop what listens there ` +
                `(\`ss -ltnp 'sport = :${port}'\` shows it) or pick another port.`
            : `cannot bind 127.0.0.1:${port} for ${who}: ${err.message}`,
        ),
      ),
    );
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve()));
  });
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Runs fn holding a cross-process lock file (the holder's pid inside). A lock whose holder is gone, or is
 * this very process, is taken over; a live holder is waited for, said once through log.
 */
export async function withFileLock<T>(
  lockFile: string,
  what: string,
  log: (m: string) => void,
  fn: () => Promise<T>,
  pollMs = 500,
): Promise<T> {
  mkdirSync(dirname(lockFile), { recursive: true });
  let waited = false;
  for (;;) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const owner = Number(readFileSync(lockFile, 'utf8') || 0);
      if (!owner || owner === process.pid || !isAlive(owner)) {
        rmSync(lockFile, { force: true });
        continue;
      }
      if (!waited) log(`another ${what} (pid ${owner}) is running; waiting for it`);
      waited = true;
      await sleep(pollMs);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockFile, { force: true });
  }
}
