// The load engine's coordinating side: splits a LoadSpec over worker threads, collects their interval stats
// into live samples (one per statsIntervalMs) and builds the final report. It does no I/O of its own, so it
// can live on the extension host's event loop while the workers saturate theirs.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';
import { UserError } from '../errors';
import type { FromWorker, ToWorker, WorkerInit } from './protocol';
import type { Share } from './runner';
import { Aggregator } from './stats';
import { parseTarget } from './target';
import type { LiveStats, LoadReport, LoadSpec } from './types';

export interface WorkerScript {
  filename: string;
  options: WorkerOptions;
}

/**
 * Where the worker code lives: dist/load-worker.js beside the bundle that runs this code (the extension), or
 * src/core/load/worker.ts run through tsx (tests, scripts). SOCK_SHOP_LOAD_WORKER overrides both.
 */
export function resolveWorkerScript(dir: string = __dirname): WorkerScript {
  const override = process.env.SOCK_SHOP_LOAD_WORKER;
  const bundled = override && override.endsWith('.js') ? override : join(dir, 'load-worker.js');
  if (existsSync(bundled)) return { filename: bundled, options: {} };
  const source = override && override.endsWith('.ts') ? override : join(dir, 'worker.ts');
  if (existsSync(source)) {
    // Resolved at run time only (tests, scripts); the extension bundle never takes this branch.
    const api = ['tsx', 'cjs', 'api'].join('/');
    const tsx = require.resolve(api);
    return {
      filename: `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(source)});`,
      options: { eval: true },
    };
  }
  throw new Error(`load worker not found (looked for ${bundled} and ${source})`);
}

export interface StartOptions {
  onStats?: (s: LiveStats) => void;
  worker?: WorkerScript;
  /** Aborting it stops the run like stop(). */
  signal?: AbortSignal;
}

export interface LoadRun {
  readonly done: Promise<LoadReport>;
  /** Stops every worker at once; done resolves with the report so far. */
  stop(): void;
}

/** Default worker threads: leave one core to the editor (and the rest of the machine). */
export function defaultThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

/** Splits total into n integer parts that differ by at most 1. */
export function splitEven(total: number, n: number): number[] {
  const base = Math.floor(total / n);
  const extra = total - base * n;
  return Array.from({ length: n }, (_, i) => base + (i < extra ? 1 : 0));
}

export function validateSpec(spec: LoadSpec): void {
  parseTarget(spec.target.url);
  const m = spec.model;
  const positive = (v: number, what: string): void => {
    if (!(Number.isFinite(v) && v > 0)) throw new UserError(`${what} must be a positive number (got ${v}).`, 'BadLoadSpec');
  };
  positive(spec.maxRequests, 'The request bound');
  positive(spec.maxDurationSeconds, 'The duration bound');
  if (spec.target.timeoutMs !== undefined) positive(spec.target.timeoutMs, 'The timeout');
  if (m.kind === 'closed') {
    positive(m.requests, 'The number of requests');
    positive(m.concurrency, 'The concurrency');
  } else if (m.kind === 'open') {
    positive(m.rate, 'The arrival rate');
    positive(m.maxConnections, 'The connection limit');
  } else {
    positive(m.users, 'The number of users');
    positive(m.spawnRate, 'The spawn rate');
    const [a, b] = m.waitSeconds;
    if (!(a >= 0 && b >= a)) throw new UserError(`The wait must be between(min, max) with 0 ≤ min ≤ max (got ${a}, ${b}).`, 'BadLoadSpec');
  }
}

/** Splits a spec into per-thread shares. */
export function planShares(spec: LoadSpec, threads: number, runId: string): Share[] {
  const m = spec.model;
  const maxDurationMs = spec.maxDurationSeconds * 1000;
  const base = { target: spec.target, model: m, maxDurationMs, runId };
  if (m.kind === 'closed') {
    const total = Math.min(m.requests, spec.maxRequests);
    const n = Math.max(1, Math.min(threads, m.concurrency, total));
    const conns = splitEven(m.concurrency, n);
    // Requests in proportion to connections so the threads finish together.
    const reqs = conns.map((c) => Math.floor((total * c) / m.concurrency));
    let rest = total - reqs.reduce((a, b) => a + b, 0);
    for (let i = 0; rest > 0; i = (i + 1) % n, rest--) reqs[i]++;
    return conns.map((units, index) => ({ ...base, index, units, maxRequests: reqs[index] }));
  }
  if (m.kind === 'open') {
    const n = Math.max(1, Math.min(threads, m.maxConnections, Math.ceil(m.rate / 100)));
    const conns = splitEven(m.maxConnections, n);
    const reqs = splitEven(spec.maxRequests, n);
    return conns.map((c, index) => ({
      ...base,
      model: { ...m, maxConnections: c },
      index,
      units: m.rate / n,
      maxRequests: reqs[index],
    }));
  }
  const n = Math.max(1, Math.min(threads, m.users));
  const users = splitEven(m.users, n);
  const reqs = splitEven(spec.maxRequests, n);
  return users.map((u, index) => ({ ...base, index, units: u, spawnRate: (m.spawnRate * u) / m.users, maxRequests: reqs[index] }));
}

/** Starts a load run on worker threads. */
export function startLoad(spec: LoadSpec, opts: StartOptions = {}): LoadRun {
  validateSpec(spec);
  const script = opts.worker ?? resolveWorkerScript();
  const runId = randomBytes(4).toString('hex');
  const shares = planShares(spec, spec.threads ?? defaultThreads(), runId);
  const started = Date.now();
  const agg = new Aggregator(started);
  const intervalMs = spec.statsIntervalMs ?? 1000;
  const reasons: string[] = [];
  const errors: string[] = [];
  const live = new Set<number>();
  let seq = 0;
  let awaiting = new Set<number>();
  let stopped = false;
  let state = 'running';
  let firstStart = 0;

  const workers = shares.map((share, i) => {
    const w = new Worker(script.filename, { ...script.options, workerData: { share } satisfies WorkerInit });
    live.add(i);
    return w;
  });

  let resolveDone!: (r: LoadReport) => void;
  const done = new Promise<LoadReport>((r) => (resolveDone = r));

  const emit = (): void => {
    const s = agg.sample(Date.now(), live.size ? state : 'stopped');
    try {
      opts.onStats?.(s);
    } catch {
      // A listener's failure must not end the run.
    }
  };

  const flush = (): void => {
    if (awaiting.size) emit(); // a worker missed the last flush: report what arrived
    seq++;
    awaiting = new Set(live);
    for (const i of live) workers[i].postMessage({ type: 'flush', seq } satisfies ToWorker);
    if (!awaiting.size) emit();
  };
  // Samples start when the first worker is running (thread start-up is not part of the run).
  let ticker: NodeJS.Timeout | undefined;
  // Safety net past the duration bound (workers end themselves at it).
  const deadline = setTimeout(() => stop(), spec.maxDurationSeconds * 1000 + 5000);

  const finishOne = (i: number): void => {
    if (!live.delete(i)) return;
    awaiting.delete(i);
    if (live.size) return;
    clearInterval(ticker);
    clearTimeout(deadline);
    state = 'stopped';
    emit();
    resolveDone(buildReport(spec, agg, firstStart || started, endReason(spec, reasons, errors, stopped), errors));
  };

  workers.forEach((w, i) => {
    w.on('message', (m: FromWorker) => {
      if (m.type === 'started') {
        if (!firstStart || m.at < firstStart) firstStart = m.at;
        if (!ticker) {
          agg.restart(Date.now());
          ticker = setInterval(flush, intervalMs);
        }
      } else if (m.type === 'stats') {
        agg.add(i, m.delta);
        if (m.seq === seq && awaiting.delete(i) && awaiting.size === 0) emit();
      } else if (m.type === 'done') {
        agg.add(i, m.delta);
        reasons.push(m.reason);
        finishOne(i);
      } else if (m.type === 'error') {
        errors.push(m.message);
      }
    });
    w.on('error', (err) => {
      errors.push(String(err?.message ?? err));
      finishOne(i);
    });
    w.on('exit', () => finishOne(i));
  });

  function stop(): void {
    if (stopped) return;
    stopped = true;
    state = 'stopping';
    for (const i of live) workers[i].postMessage({ type: 'stop' } satisfies ToWorker);
    // A worker that does not answer within 2 s is terminated (its last interval is lost).
    const kill = setTimeout(() => {
      for (const i of [...live]) void workers[i].terminate();
    }, 2000);
    void done.then(() => clearTimeout(kill));
  }

  if (opts.signal?.aborted) stop();
  else opts.signal?.addEventListener('abort', () => stop(), { once: true });
  return { done, stop };
}

function endReason(spec: LoadSpec, reasons: string[], errors: string[], stopped: boolean): string {
  if (errors.length && !reasons.length) return 'error';
  if (stopped || reasons.includes('stopped')) return 'stopped';
  if (reasons.includes('maxDuration')) return 'maxDuration';
  if (reasons.includes('maxRequests')) return 'maxRequests';
  if (spec.model.kind === 'closed' && spec.model.requests > spec.maxRequests) return 'maxRequests';
  return 'completed';
}

function buildReport(spec: LoadSpec, agg: Aggregator, started: number, endReason: string, errors: string[]): LoadReport {
  const ended = Date.now();
  const seconds = Math.max((ended - started) / 1000, 1e-3);
  const report: LoadReport = {
    spec,
    startedAt: new Date(started).toISOString(),
    endedAt: new Date(ended).toISOString(),
    durationSeconds: Math.round(seconds * 1000) / 1000,
    endReason,
    requests: agg.requests,
    successes: agg.requests - agg.failures,
    failures: agg.failures,
    failPercent: agg.requests ? Math.round((10000 * agg.failures) / agg.requests) / 100 : 0,
    rps: Math.round((agg.requests / seconds) * 10) / 10,
    bytesReceived: agg.bytes,
    latencyMs: agg.latency(),
    statuses: agg.statuses,
    failuresByCause: agg.causes,
    endpoints: agg.endpointStats(),
    timeline: agg.timeline,
  };
  if (errors.length) (report as LoadReport & { errors?: string[] }).errors = errors;
  return report;
}
