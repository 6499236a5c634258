// Runs one thread's share of a load: the closed (ab), open (constant arrival rate) and users (Locust) models.
// Plain Node; the worker thread (worker.ts) wraps it with messages, tests may run it in process.
import { performance } from 'node:perf_hooks';
import { Connection } from './conn';
import { FLOWS, type FlowUser, type HttpResponse } from './flows';
import { serializeRequest } from './http1';
import type { Recorder } from './stats';
import { joinPath, parseTarget, type ParsedTarget } from './target';
import type { LoadModel, RequestSpec, TargetSpec } from './types';

/** What one thread runs. */
export interface Share {
  index: number;
  target: TargetSpec;
  model: LoadModel;
  /** This thread's part of the request bound (closed: exactly this many; others: at most). */
  maxRequests: number;
  /** This thread's connections (closed), arrivals per second (open), users (users). */
  units: number;
  /** Spawn rate for this thread's users. */
  spawnRate?: number;
  maxDurationMs: number;
  /** Distinguishes runs (user names of the sockshop flow). */
  runId: string;
}

export interface Runner {
  start(): void;
  /** Stops at once: in-flight requests are abandoned (not counted). */
  stop(): void;
  /** Resolves with the end reason once the share is finished or stopped. */
  readonly finished: Promise<string>;
}

const DEFAULT_TIMEOUT_MS = 30_000;

function requestName(r: RequestSpec | undefined, fallbackPath: string): string {
  return r?.name ?? `${(r?.method ?? 'GET').toUpperCase()} ${r?.path ?? fallbackPath}`;
}

function buildRequest(t: ParsedTarget, target: TargetSpec, r: RequestSpec | undefined): Buffer {
  return serializeRequest({
    host: t.hostHeader,
    method: r?.method,
    path: r ? joinPath(t, r.path) : t.path,
    headers: { ...target.headers, ...r?.headers },
    cookies: target.cookies,
    body: r?.body,
    keepAlive: target.keepAlive !== false,
  });
}

abstract class Base implements Runner {
  protected readonly t: ParsedTarget;
  protected readonly timeoutMs: number;
  protected readonly readBuffer = Buffer.allocUnsafe(64 * 1024);
  protected stopping = false;
  protected issued = 0;
  private resolve!: (reason: string) => void;
  readonly finished = new Promise<string>((r) => (this.resolve = r));
  private timers: NodeJS.Timeout[] = [];
  protected conns: Connection[] = [];
  private ended = false;
  protected startedAt = 0;

  constructor(
    protected readonly share: Share,
    protected readonly rec: Recorder,
  ) {
    this.t = parseTarget(share.target.url);
    this.timeoutMs = share.target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  start(): void {
    this.startedAt = performance.now();
    this.every(Math.max(10, Math.min(250, this.timeoutMs / 4)), () => {
      const now = performance.now();
      for (const c of this.conns) c.checkTimeout(now, this.timeoutMs);
    });
    this.timers.push(setTimeout(() => this.end('maxDuration'), this.share.maxDurationMs));
    this.begin();
  }

  stop(): void {
    this.end('stopped');
  }

  protected every(ms: number, fn: () => void): void {
    this.timers.push(setInterval(fn, ms));
  }

  protected abstract begin(): void;

  protected end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    this.stopping = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers = [];
    this.onEnd();
    for (const c of this.conns) c.close();
    this.rec.activeUsers = 0;
    this.resolve(reason);
  }

  protected onEnd(): void {}
}

/** ab: `maxRequests` requests over `units` connections, each sending when its last request was answered. */
export class ClosedRunner extends Base {
  private request!: Buffer;
  private head = false;
  private ep = 0;
  private completed = 0;

  protected begin(): void {
    const m = this.share.model;
    const r = m.kind === 'closed' ? m.request : undefined;
    this.request = buildRequest(this.t, this.share.target, r);
    this.head = (r?.method ?? 'GET').toUpperCase() === 'HEAD';
    this.ep = this.rec.endpoint(requestName(r, this.t.path));
    const done = (status: number, cause: string | undefined, c: Connection): void => {
      const now = performance.now();
      if (cause === undefined) this.rec.response(this.ep, status, now - c.sentAtLast, c.bytes - c.tag2);
      else this.rec.failure(this.ep, cause, now - c.sentAtLast);
      this.completed++;
      this.next(c, now);
    };
    const n = Math.min(this.share.units, this.share.maxRequests);
    for (let k = 0; k < n; k++) this.conns.push(new Connection({ host: this.t.host, port: this.t.port, readBuffer: this.readBuffer }, done));
    this.rec.activeUsers = n;
    if (this.share.maxRequests <= 0) return this.end('completed');
    const now = performance.now();
    for (const c of this.conns) this.next(c, now);
  }

  private next(c: Connection, now: number): void {
    if (this.stopping) return;
    if (this.issued >= this.share.maxRequests) {
      if (this.completed >= this.issued) this.end('completed');
      return;
    }
    this.issued++;
    c.tag2 = c.bytes;
    c.send(this.request, now, this.head);
  }
}

/**
 * Open model: arrivals at a constant rate regardless of responses. A request that cannot be sent at its
 * intended time (all connections busy) waits in a queue; its latency counts from the intended time, so a
 * stalled server shows in the percentiles instead of silently lowering the send rate (coordinated omission).
 */
export class OpenRunner extends Base {
  private request!: Buffer;
  private head = false;
  private ep = 0;
  private intervalMs = 0;
  private scheduled = 0;
  private queue: number[] = [];
  private qHead = 0;
  private idle: Connection[] = [];
  private maxConns = 1;
  private completed = 0;
  private done!: (status: number, cause: string | undefined, c: Connection) => void;

  protected begin(): void {
    const m = this.share.model;
    if (m.kind !== 'open') throw new Error('not an open model');
    this.request = buildRequest(this.t, this.share.target, m.request);
    this.head = (m.request?.method ?? 'GET').toUpperCase() === 'HEAD';
    this.ep = this.rec.endpoint(requestName(m.request, this.t.path));
    this.intervalMs = 1000 / this.share.units;
    this.maxConns = Math.max(1, m.maxConnections);
    this.done = (status, cause, c) => {
      const now = performance.now();
      const latency = now - c.tag; // from the intended send time
      if (cause === undefined) this.rec.response(this.ep, status, latency, c.bytes - c.tag2);
      else this.rec.failure(this.ep, cause, latency);
      this.completed++;
      this.rec.activeUsers--;
      this.idle.push(c);
      this.dispatch(now);
      if (this.scheduled >= this.share.maxRequests && this.completed >= this.scheduled) this.end('maxRequests');
    };
    this.every(1, () => this.tick());
    this.tick();
  }

  private tick(): void {
    if (this.stopping) return;
    const now = performance.now();
    const due = Math.min(this.share.maxRequests, Math.floor((now - this.startedAt) / this.intervalMs) + 1);
    while (this.scheduled < due) {
      this.queue.push(this.startedAt + this.scheduled * this.intervalMs);
      this.scheduled++;
    }
    this.dispatch(now);
  }

  private dispatch(now: number): void {
    while (!this.stopping && this.qHead < this.queue.length) {
      let c = this.idle.pop();
      if (!c) {
        if (this.conns.length >= this.maxConns) break;
        c = new Connection({ host: this.t.host, port: this.t.port, readBuffer: this.readBuffer }, this.done);
        this.conns.push(c);
      }
      c.tag = this.queue[this.qHead++];
      c.tag2 = c.bytes;
      this.rec.activeUsers++;
      c.send(this.request, now, this.head);
    }
    if (this.qHead > 4096 && this.qHead * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.qHead);
      this.qHead = 0;
    }
  }
}

/** Locust model: users spawned at a rate, each with its own connection and cookies, running weighted tasks. */
export class UsersRunner extends Base {
  private users: User[] = [];
  private spawned = 0;
  /** Pending waits, cleared on stop. */
  readonly waits = new Set<NodeJS.Timeout>();

  protected begin(): void {
    const m = this.share.model;
    if (m.kind !== 'users') throw new Error('not a users model');
    const rate = Math.max(0.001, this.share.spawnRate ?? m.spawnRate);
    const spawnOne = (): void => {
      if (this.stopping || this.spawned >= this.share.units) return;
      const u = new User(this, this.spawned++);
      this.users.push(u);
      this.rec.activeUsers = this.users.length;
      void u.run();
    };
    spawnOne();
    if (this.share.units > 1) {
      let due = 1;
      const t0 = performance.now();
      this.every(Math.max(1, Math.min(100, 1000 / rate / 2)), () => {
        const target = Math.min(this.share.units, 1 + Math.floor(((performance.now() - t0) / 1000) * rate));
        while (due < target) {
          due++;
          spawnOne();
        }
      });
    }
  }

  get runnerStopping(): boolean {
    return this.stopping;
  }

  /** Counts one more request against the bound; false when the bound is reached (the run ends). */
  take(): boolean {
    if (this.stopping) return false;
    if (this.issued >= this.share.maxRequests) {
      this.end('maxRequests');
      return false;
    }
    this.issued++;
    return true;
  }

  newConnection(done: (status: number, cause: string | undefined, c: Connection) => void): Connection {
    const c = new Connection({ host: this.t.host, port: this.t.port, readBuffer: this.readBuffer, collectHeaders: true }, done);
    this.conns.push(c);
    return c;
  }

  get target(): ParsedTarget {
    return this.t;
  }

  get spec(): Share {
    return this.share;
  }

  get recorder(): Recorder {
    return this.rec;
  }

  protected override onEnd(): void {
    for (const w of this.waits) clearTimeout(w);
    this.waits.clear();
    for (const u of this.users) u.abort();
  }
}

class Stopped extends Error {}

class User implements FlowUser {
  private readonly conn: Connection;
  private pending: ((r: HttpResponse | undefined) => void) | undefined;
  private pendingEp = 0;
  private readonly cookies = new Map<string, string>();
  readonly state: Record<string, unknown> = {};

  constructor(
    private readonly runner: UsersRunner,
    readonly index: number,
  ) {
    this.conn = runner.newConnection((status, cause, c) => this.onDone(status, cause, c));
    this.conn.captureBody = true;
    for (const c of runner.spec.target.cookies ?? []) {
      const eq = c.indexOf('=');
      if (eq > 0) this.cookies.set(c.slice(0, eq).trim(), c.slice(eq + 1).trim());
    }
  }

  get id(): string {
    return `${this.runner.spec.runId}-${this.runner.spec.index}-${this.index}`;
  }

  async run(): Promise<void> {
    const m = this.runner.spec.model;
    if (m.kind !== 'users') return;
    const flow = FLOWS[m.flow];
    const [wmin, wmax] = m.waitSeconds;
    const total = flow.tasks.reduce((a, t) => a + t.weight, 0);
    try {
      if (flow.onStart) await flow.onStart(this);
      while (!this.runner.runnerStopping) {
        let pick = Math.random() * total;
        const task = flow.tasks.find((t) => (pick -= t.weight) < 0) ?? flow.tasks[flow.tasks.length - 1];
        await task.run(this);
        await this.sleep((wmin + Math.random() * (wmax - wmin)) * 1000);
      }
    } catch (err) {
      if (!(err instanceof Stopped)) throw err;
    }
  }

  abort(): void {
    const p = this.pending;
    this.pending = undefined;
    p?.(undefined);
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.runner.runnerStopping) return reject(new Stopped());
      const t = setTimeout(() => {
        this.runner.waits.delete(t);
        if (this.runner.runnerStopping) reject(new Stopped());
        else resolve();
      }, ms);
      this.runner.waits.add(t);
    });
  }

  /** Sends one request, records it under its name, and resolves with the response (undefined when it failed). */
  async request(r: RequestSpec & { expect?: number[] }): Promise<HttpResponse | undefined> {
    if (!this.runner.take()) throw new Stopped();
    const t = this.runner.target;
    const headers: Record<string, string> = { ...this.runner.spec.target.headers, ...r.headers };
    if (this.cookies.size) headers.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    if (r.body !== undefined && !Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) {
      headers['Content-Type'] = 'application/json';
    }
    const buf = serializeRequest({
      host: t.hostHeader,
      method: r.method,
      path: joinPath(t, r.path),
      headers,
      body: r.body,
      keepAlive: this.runner.spec.target.keepAlive !== false,
    });
    this.pendingEp = this.runner.recorder.endpoint(requestName(r, r.path));
    const result = await new Promise<HttpResponse | undefined>((resolve) => {
      this.pending = resolve;
      this.conn.tag2 = this.conn.bytes;
      this.conn.send(buf, performance.now(), (r.method ?? 'GET').toUpperCase() === 'HEAD');
    });
    if (this.runner.runnerStopping) throw new Stopped();
    return result;
  }

  private onDone(status: number, cause: string | undefined, c: Connection): void {
    const resolve = this.pending;
    this.pending = undefined;
    if (!resolve) return;
    const now = performance.now();
    const rec = this.runner.recorder;
    const latency = now - c.sentAtLast;
    if (cause !== undefined) {
      rec.failure(this.pendingEp, cause, latency);
      return resolve(undefined);
    }
    rec.response(this.pendingEp, status, latency, c.bytes - c.tag2);
    for (const [k, v] of c.headers ?? []) {
      if (k !== 'set-cookie') continue;
      const pair = v.split(';', 1)[0];
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
    const body = c.body && c.body.length ? Buffer.concat(c.body) : Buffer.alloc(0);
    resolve({ status, body, ok: status >= 200 && status < 400 });
  }
}

export function createRunner(share: Share, rec: Recorder): Runner {
  switch (share.model.kind) {
    case 'closed':
      return new ClosedRunner(share, rec);
    case 'open':
      return new OpenRunner(share, rec);
    case 'users':
      return new UsersRunner(share, rec);
  }
}
