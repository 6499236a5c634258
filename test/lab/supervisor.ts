// Keeps the lab cluster's kube-controller-manager and kube-scheduler running, the way a node's kubelet
// keeps its static pods running: when one exits (they exit on purpose when they lose their leader
// lease, e.g. after etcd stalled longer than the lease), it is started again with exactly the
// arguments kwokctl gave it, after a back-off that doubles from 1 s up to 30 s and resets once the
// process has run for 60 s. The new pid goes into kwokctl's pid file, so `kwokctl delete cluster`
// (lab down) still ends it. Restarts are counted in a status file that `npm run lab -- status` shows
// (kept across restarts of the supervisor itself; a new cluster starts from a removed file).
//
// Runs as its own process, `node <bundle of this file> <cluster dir> <status file>` (started by
// test/lab/cluster.ts from an esbuild bundle; the cluster dir in its command line marks it as the cluster's).
// A pid file that is removed (kwokctl stopping the cluster) means "stopped on purpose": no restart.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';

/** The components restarted when they exit (kube-apiserver is not: the lab's fault tests stop it on purpose). */
export const SUPERVISED = ['kube-controller-manager', 'kube-scheduler'] as const;

export const BACKOFF_START_MS = 1_000;
export const BACKOFF_MAX_MS = 30_000;
/** A process that ran this long is healthy again: its next restart waits BACKOFF_START_MS. */
export const BACKOFF_RESET_MS = 60_000;

export interface SupervisedStatus {
  pid: number | undefined;
  restarts: number;
  /** ISO time of the last restart, and of the last exit seen. */
  lastRestart?: string;
  lastExit?: string;
  /** Exit code or signal of the last exit, when the supervisor started that process itself. */
  lastExitStatus?: string;
  /** When the next restart is due while the component is down (back-off). */
  nextRestart?: string;
}

export interface SupervisorStatus {
  pid: number;
  since: string;
  components: Record<string, SupervisedStatus>;
}

/** Back-off before the n-th consecutive restart (n from 1): 1 s, 2 s, 4 s, … 30 s. */
export function backoffMs(consecutive: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_START_MS * 2 ** Math.max(0, consecutive - 1));
}

export function readSupervisorStatus(file: string): SupervisorStatus | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as SupervisorStatus;
  } catch {
    return undefined;
  }
}

interface ComponentSpec {
  binary: string;
  args: string[];
  workDir: string;
}

/** The component's command line as kwokctl recorded it in kwok.yaml. */
export function componentSpec(clusterDir: string, name: string): ComponentSpec {
  const file = join(clusterDir, 'kwok.yaml');
  const conf = YAML.parseAllDocuments(readFileSync(file, 'utf8'))
    .map((d) => d.toJS())
    .find((d) => d?.kind === 'KwokctlConfiguration');
  const c = (conf?.components ?? []).find((x: { name: string }) => x.name === name);
  if (!c) throw new Error(`${name} is not among the components in ${file}`);
  return { binary: c.binary, args: c.args ?? [], workDir: c.workDir ?? clusterDir };
}

/**
 * Starts component `name` with exactly the arguments kwokctl gave it (its `componentSpec`), detached, its
 * output appended to its log, and records the new pid where kwokctl keeps it (so `kwokctl delete cluster`
 * still ends it). Used by the supervisor's restarts and by the lab's own restarts (cluster.ts).
 */
export function spawnComponent(
  clusterDir: string,
  name: string,
  hooks: { onExit?: (pid: number, how: string) => void; onError?: (err: Error) => void } = {},
): number {
  const spec = componentSpec(clusterDir, name);
  const fd = openSync(join(clusterDir, 'logs', `${name}.log`), 'a');
  let pid: number | undefined;
  try {
    const child = spawn(spec.binary, spec.args, { cwd: spec.workDir, detached: true, stdio: ['ignore', fd, fd] });
    pid = child.pid;
    child.on('exit', (code, signal) => {
      if (child.pid) hooks.onExit?.(child.pid, signal ? `signal ${signal}` : `exit ${code}`);
    });
    child.on('error', (err) => hooks.onError?.(err));
    child.unref();
  } finally {
    closeSync(fd);
  }
  if (!pid) throw new Error(`could not start ${spec.binary}`);
  writeFileSync(join(clusterDir, 'pids', `${name}.pid`), String(pid));
  return pid;
}

function alive(pid: number | undefined, clusterDir: string): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/^\d+ \(.*\) Z /.test(stat)) return false;
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(clusterDir);
  } catch {
    return false;
  }
}

function log(msg: string): void {
  process.stdout.write(`${new Date().toISOString()} ${msg}\n`);
}

interface Watched {
  name: string;
  status: SupervisedStatus;
  /** When the current process was seen first (ms). */
  upSince?: number;
  /** Consecutive restarts without BACKOFF_RESET_MS of healthy running in between. */
  consecutive: number;
  /** Restart not before this time (ms). */
  due?: number;
  /** Exit status of processes this supervisor started, by pid. */
  exits: Map<number, string>;
}

export function runSupervisor(clusterDir: string, statusFile: string, pollMs = 500, say: (msg: string) => void = log): { stop(): void } {
  const since = new Date().toISOString();
  // A supervisor started again for the same cluster (lab up's repair) keeps counting where the last one stopped.
  const previous = readSupervisorStatus(statusFile)?.components ?? {};
  const watched: Watched[] = SUPERVISED.map((name) => {
    const { restarts = 0, lastRestart, lastExit, lastExitStatus } = previous[name] ?? {};
    return { name, status: { pid: undefined, restarts, lastRestart, lastExit, lastExitStatus }, consecutive: 0, exits: new Map() };
  });
  const pidFile = (name: string) => join(clusterDir, 'pids', `${name}.pid`);
  const readPid = (name: string): number | undefined => {
    try {
      const n = Number(readFileSync(pidFile(name), 'utf8').trim());
      return n > 0 ? n : undefined;
    } catch {
      return undefined;
    }
  };
  const save = () => {
    const doc: SupervisorStatus = { pid: process.pid, since, components: Object.fromEntries(watched.map((w) => [w.name, w.status])) };
    writeFileSync(`${statusFile}.tmp`, JSON.stringify(doc, null, 2) + '\n');
    renameSync(`${statusFile}.tmp`, statusFile);
  };

  const start = (w: Watched) => {
    const pid = spawnComponent(clusterDir, w.name, {
      onExit: (pid, how) => w.exits.set(pid, how),
      onError: (err) => say(`${w.name}: ${err.message}`),
    });
    w.status.pid = pid;
    w.status.restarts++;
    w.status.lastRestart = new Date().toISOString();
    delete w.status.nextRestart;
    w.upSince = Date.now();
    say(`${w.name}: restarted as pid ${pid} (restart #${w.status.restarts})`);
  };

  const tick = () => {
    let changed = false;
    for (const w of watched) {
      const pid = readPid(w.name);
      // No pid file: kwokctl stopped the component (or the cluster is going away); leave it.
      if (pid === undefined) {
        if (w.status.pid !== undefined || w.due !== undefined) changed = true;
        w.status.pid = undefined;
        w.due = undefined;
        delete w.status.nextRestart;
        continue;
      }
      if (alive(pid, clusterDir)) {
        if (w.status.pid !== pid) {
          w.status.pid = pid;
          w.upSince = Date.now();
          changed = true;
        }
        if (w.upSince !== undefined && Date.now() - w.upSince >= BACKOFF_RESET_MS && w.consecutive) {
          w.consecutive = 0;
          changed = true;
        }
        continue;
      }
      const now = Date.now();
      if (w.due === undefined) {
        // Just seen dead: a run shorter than BACKOFF_RESET_MS counts towards the back-off.
        if (w.upSince !== undefined && now - w.upSince >= BACKOFF_RESET_MS) w.consecutive = 0;
        w.consecutive++;
        w.due = now + backoffMs(w.consecutive);
        w.status.lastExit = new Date(now).toISOString();
        const st = w.exits.get(pid);
        if (st) w.status.lastExitStatus = st;
        else delete w.status.lastExitStatus;
        w.status.nextRestart = new Date(w.due).toISOString();
        say(`${w.name}: pid ${pid} is gone${st ? ` (${st})` : ''}; restarting in ${backoffMs(w.consecutive) / 1000} s`);
        changed = true;
      } else if (now >= w.due) {
        w.due = undefined;
        try {
          start(w);
        } catch (err) {
          say(`${w.name}: ${(err as Error).message}`);
        }
        changed = true;
      }
    }
    if (changed) save();
  };

  for (const w of watched) {
    const pid = readPid(w.name);
    if (alive(pid, clusterDir)) {
      w.status.pid = pid;
      w.upSince = Date.now();
    }
  }
  save();
  say(`supervising ${SUPERVISED.join(', ')} in ${clusterDir}`);
  const timer = setInterval(tick, pollMs);
  return { stop: () => clearInterval(timer) };
}

if (process.argv[1] && import.meta.filename === process.argv[1]) {
  const [clusterDir, statusFile] = process.argv.slice(2);
  if (!clusterDir || !statusFile || !existsSync(join(clusterDir, 'kwok.yaml'))) {
    process.stderr.write('usage: supervisor.ts <kwokctl cluster dir (with kwok.yaml)> <status file>\n');
    process.exit(2);
  }
  runSupervisor(clusterDir, statusFile);
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => process.exit(0));
}
