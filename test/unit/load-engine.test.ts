// The load engine (worker threads and all) against local servers with scripted behaviour.
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startLoad } from '../../src/core/load/engine';
import type { LiveStats, LoadReport, LoadSpec } from '../../src/core/load/types';

type Handler = (n: number, req: http.IncomingMessage, res: http.ServerResponse) => void;

interface Scripted {
  url: string;
  /** Requests the server received. */
  count(): number;
  /** Distinct client connections seen. */
  connections(): number;
  arrivals: { at: number; socket: number; url: string; cookie?: string }[];
  close(): Promise<void>;
}

async function scripted(handler: Handler): Promise<Scripted> {
  let n = 0;
  let sockets = 0;
  const ids = new WeakMap<object, number>();
  const arrivals: Scripted['arrivals'] = [];
  const server = http.createServer((req, res) => {
    const k = ++n;
    let id = ids.get(req.socket);
    if (id === undefined) ids.set(req.socket, (id = ++sockets));
    arrivals.push({ at: performance.now(), socket: id, url: req.url ?? '', cookie: req.headers.cookie });
    handler(k, req, res);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    count: () => n,
    connections: () => sockets,
    arrivals,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function spec(url: string, model: LoadSpec['model'], extra: Partial<LoadSpec> = {}, target: Partial<LoadSpec['target']> = {}): LoadSpec {
  return { target: { url, ...target }, model, maxRequests: 1_000_000, maxDurationSeconds: 30, threads: 2, ...extra };
}

async function run(s: LoadSpec, onStats?: (l: LiveStats) => void): Promise<LoadReport> {
  return startLoad(s, { onStats }).done;
}

const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);

describe('load engine against scripted servers', function () {
  this.timeout(60_000);
  let server: Scripted | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('counts every request, and counts HTTP 500 as a failure (ab does not)', async () => {
    server = await scripted((n, _req, res) => {
      res.statusCode = n % 5 === 0 ? 500 : 200;
      res.end('x');
    });
    const r = await run(spec(server.url, { kind: 'closed', requests: 1000, concurrency: 10 }, {}, { cookies: ['somecookie=rawr'] }));
    assert.equal(server.count(), 1000);
    assert.equal(r.requests, 1000);
    assert.equal(r.failures, 200);
    assert.equal(r.successes, 800);
    assert.deepEqual(r.statuses, { '200': 800, '500': 200 });
    assert.deepEqual(r.failuresByCause, { 'HTTP 500': 200 });
    assert.equal(r.endReason, 'completed');
    assert.ok(server.connections() <= 10, `at most 10 connections (saw ${server.connections()})`);
    assert.ok(server.arrivals.every((a) => a.cookie === 'somecookie=rawr'));
  });

  it('opens a connection per request with keep-alive off', async () => {
    server = await scripted((n, _req, res) => {
      res.statusCode = n % 4 === 0 ? 503 : 200;
      res.end('y');
    });
    const r = await run(spec(server.url, { kind: 'closed', requests: 200, concurrency: 4 }, {}, { keepAlive: false }));
    assert.equal(r.requests, 200);
    assert.equal(server.count(), 200);
    assert.equal(server.connections(), 200);
    assert.deepEqual(r.statuses, { '200': 150, '503': 50 });
    assert.equal(r.failures, 50);
  });

  it('counts connection resets as failures by cause', async () => {
    server = await scripted((n, req, res) => {
      if (n % 10 === 0) req.socket.resetAndDestroy();
      else res.end('ok');
    });
    const r = await run(spec(server.url, { kind: 'closed', requests: 500, concurrency: 5 }));
    assert.equal(server.count(), 500);
    assert.equal(r.requests, 500);
    assert.equal(r.failures, 50);
    assert.equal(sum(r.failuresByCause), 50);
    assert.deepEqual(Object.keys(r.failuresByCause), ['ECONNRESET']);
    assert.equal(r.statuses['200'], 450);
  });

  it('times out stalled requests and keeps going', async () => {
    server = await scripted((n, _req, res) => {
      if (n % 20 !== 0) res.end('ok'); // every 20th request never gets an answer
    });
    const started = Date.now();
    const r = await run(spec(server.url, { kind: 'closed', requests: 200, concurrency: 10 }, {}, { timeoutMs: 300 }));
    assert.equal(r.requests, 200);
    assert.equal(server.count(), 200);
    assert.deepEqual(r.failuresByCause, { timeout: 10 });
    assert.equal(r.statuses['200'], 190);
    assert.ok(r.latencyMs.max >= 300, `timeouts count their time (max ${r.latencyMs.max} ms)`);
    assert.ok(Date.now() - started < 10_000);
  });

  it('receives slow bodies, chunked and with a length, and measures them whole', async () => {
    server = await scripted((n, _req, res) => {
      if (n % 2) res.setHeader('Content-Length', 6);
      res.write('abc');
      setTimeout(() => res.end('def'), 120);
    });
    const r = await run(spec(server.url, { kind: 'closed', requests: 20, concurrency: 4 }));
    assert.equal(r.requests, 20);
    assert.equal(r.failures, 0);
    assert.deepEqual(r.statuses, { '200': 20 });
    assert.ok(r.latencyMs.min >= 110, `every response took the body's time (min ${r.latencyMs.min} ms)`);
  });

  it('stops at once when asked', async () => {
    server = await scripted((_n, _req, res) => setTimeout(() => res.end('slow'), 5));
    const run1 = startLoad(spec(server.url, { kind: 'closed', requests: 10_000_000, concurrency: 20 }));
    // Under way (worker threads start in tens of ms, longer on a busy machine).
    for (let k = 0; k < 200 && server.count() < 100; k++) await new Promise((r) => setTimeout(r, 50));
    run1.stop();
    const r = await run1.done;
    // How fast a stop lands is a benchmark figure (test/bench/load.ts); here: it ends, as stopped, early.
    assert.equal(r.endReason, 'stopped');
    assert.ok(r.requests > 0 && r.requests < 10_000_000);
    const after = server.count();
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(server.count(), after, 'no request is sent after the stop');
  });

  it('stops when its AbortSignal aborts', async () => {
    server = await scripted((_n, _req, res) => res.end('ok'));
    const ac = new AbortController();
    const r1 = startLoad(spec(server.url, { kind: 'users', users: 3, spawnRate: 100, waitSeconds: [0.05, 0.1], flow: 'index' }), { signal: ac.signal });
    for (let k = 0; k < 200 && server.count() < 9; k++) await new Promise((r) => setTimeout(r, 50));
    const seen = server.count();
    ac.abort();
    const r = await r1.done;
    assert.equal(r.endReason, 'stopped');
    // Each user has at most one request in flight (abandoned at the stop, not counted).
    assert.ok(r.requests >= seen - 3 && r.requests <= server.count(), `${r.requests} counted, server saw ${seen}`);
  });

  it('ends at the duration bound and at the request bound', async () => {
    server = await scripted((_n, _req, res) => res.end('ok'));
    const byTime = await run(spec(server.url, { kind: 'closed', requests: 10_000_000, concurrency: 4 }, { maxDurationSeconds: 1 }));
    assert.equal(byTime.endReason, 'maxDuration');
    assert.ok(byTime.durationSeconds < 2.5, `took ${byTime.durationSeconds} s`);
    // A fresh server: requests of the first run still in flight at its end must not be counted here.
    await server.close();
    server = await scripted((_n, _req, res) => res.end('ok'));
    const before = server.count();
    const byCount = await run(spec(server.url, { kind: 'closed', requests: 5000, concurrency: 4 }, { maxRequests: 321 }));
    assert.equal(byCount.endReason, 'maxRequests');
    assert.equal(byCount.requests, 321);
    assert.equal(server.count() - before, 321);
  });

  it('reports live stats every interval', async () => {
    server = await scripted((_n, _req, res) => setTimeout(() => res.end('ok'), 2));
    const samples: LiveStats[] = [];
    const r = await run(spec(server.url, { kind: 'open', rate: 200, maxConnections: 20 }, { maxDurationSeconds: 2.2, statsIntervalMs: 500 }), (s) => samples.push(s));
    assert.ok(samples.length >= 3, `${samples.length} samples`);
    const mid = samples.slice(1, -1);
    assert.ok(mid.some((x) => x.rps > 0), 'samples during the run carry a rate');
    for (const s of mid.filter((x) => x.rps > 0)) {
      assert.ok(s.p50Ms > 0 && s.p50Ms <= s.p95Ms && s.p95Ms <= s.p99Ms);
      assert.equal(s.failPercent, 0);
    }
    // How closely per-interval rates track the arrival rate is a benchmark figure (pacing error), not a test.
    for (let k = 1; k < samples.length; k++) assert.ok(samples[k].totalRequests >= samples[k - 1].totalRequests);
    assert.equal(samples[samples.length - 1].state, 'stopped');
    assert.equal(samples[samples.length - 1].totalRequests, r.requests);
  });

  it('open model: a server that stalls 1 s every N requests shows in p99 (coordinated omission corrected)', async () => {
    // The whole server pauses for one second after every 300th request: everything that arrives meanwhile waits.
    let pausedUntil = 0;
    const stalled = (n: number, res: http.ServerResponse): void => {
      const now = Date.now();
      if (n % 300 === 0) pausedUntil = now + 1000;
      const wait = Math.max(0, pausedUntil - now);
      if (wait) setTimeout(() => res.end('late'), wait);
      else res.end('ok');
    };
    server = await scripted((n, _req, res) => stalled(n, res));
    const open = await run(spec(server.url, { kind: 'open', rate: 200, maxConnections: 50 }, { maxRequests: 700, maxDurationSeconds: 10 }));
    assert.equal(open.requests, 700);
    // ~200 of 700 requests arrive during the two stalls, with waits spread over 0..1 s.
    assert.ok(open.latencyMs.p99 >= 800, `open-model p99 ${open.latencyMs.p99} ms reflects the stall`);
    assert.ok(open.latencyMs.p90 >= 300, `open-model p90 ${open.latencyMs.p90} ms`);
    await server.close();

    // The same server under the closed model: only the few requests in flight see the stall.
    pausedUntil = 0;
    server = await scripted((n, _req, res) => stalled(n, res));
    const closed = await run(spec(server.url, { kind: 'closed', requests: 700, concurrency: 1 }));
    assert.ok(closed.latencyMs.p99 < open.latencyMs.p99 / 2, `closed-model p99 ${closed.latencyMs.p99} ms hides the stall (open: ${open.latencyMs.p99} ms)`);
    assert.ok(closed.latencyMs.max >= 900);
  });

  it('users model: pacing matches the users and the waits within 10 %', async () => {
    server = await scripted((_n, _req, res) => res.end('ok'));
    const users = 10;
    const [wmin, wmax] = [0.2, 0.4];
    const seconds = 4;
    const r = await run(
      spec(server.url, { kind: 'users', users, spawnRate: 100, waitSeconds: [wmin, wmax], flow: 'index' }, { maxDurationSeconds: seconds }),
    );
    assert.equal(r.failures, 0);
    assert.equal(server.connections(), users, 'one connection per user');
    // Gaps between one user's consecutive requests are its waits (plus a sub-ms request).
    const bySocket = new Map<number, number[]>();
    for (const a of server.arrivals) bySocket.set(a.socket, [...(bySocket.get(a.socket) ?? []), a.at]);
    const gaps: number[] = [];
    for (const times of bySocket.values()) for (let k = 1; k < times.length; k++) gaps.push((times[k] - times[k - 1]) / 1000);
    // A busy machine can only make waits longer, never shorter: no user sends before its wait is over, and
    // the waits are drawn from the whole range (not a constant). How close the mean and the throughput come
    // to the model is the pacing benchmark's figure (test/bench/load.ts), not asserted here.
    assert.ok(gaps.length >= users * 3, `${gaps.length} waits seen`);
    assert.ok(Math.min(...gaps) >= wmin * 0.95, `no wait shorter than ${wmin} s (min ${Math.min(...gaps).toFixed(3)} s)`);
    const spreadOfWaits = Math.max(...gaps) - Math.min(...gaps);
    assert.ok(spreadOfWaits >= (wmax - wmin) / 3, `waits vary across [${wmin}, ${wmax}] (spread ${spreadOfWaits.toFixed(3)} s)`);
    assert.ok(r.requests <= users * (seconds / wmin) + users, `${r.requests} requests: no more than the shortest waits allow`);
  });

  it('users model: spawns at the configured rate', async () => {
    server = await scripted((_n, _req, res) => res.end('ok'));
    const samples: LiveStats[] = [];
    await run(
      // 5 s: all 20 are running from ~1.9 s on, and a busy machine (the run overlapping another) only delays that.
      spec(server.url, { kind: 'users', users: 20, spawnRate: 10, waitSeconds: [0.2, 0.3], flow: 'index' }, { maxDurationSeconds: 5, threads: 1 }),
      (s) => samples.push(s),
    );
    const firstByUser = new Map<number, number>();
    for (const a of server.arrivals) if (!firstByUser.has(a.socket)) firstByUser.set(a.socket, a.at);
    const starts = [...firstByUser.values()].sort((a, b) => a - b);
    assert.equal(starts.length, 20);
    const spread = (starts[starts.length - 1] - starts[0]) / 1000;
    // 20 users at 10/s: the last one starts ~1.9 s after the first, never sooner (a busy machine only delays).
    assert.ok(spread >= 1.9 * 0.9, `spawn spread ${spread.toFixed(2)} s`);
    assert.ok(samples.some((s) => s.activeUsers === 20));
  });
});
