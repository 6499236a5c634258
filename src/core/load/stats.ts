// Latency and outcome accounting. Workers record into a Recorder (hot path: a typed-array append per
// response; the HdrHistogram is fed in batches) and ship interval deltas; the coordinating thread merges them
// in an Aggregator into live samples and the final report.
import type * as Hdr from 'hdr-histogram-js';
import type { EndpointStats, LiveStats } from './types';

/** Latencies are recorded in microseconds, 1 µs .. 1 h, 3 significant digits. */
const HIGHEST_US = 3_600_000_000;

/** hdr-histogram-js loads with the first load run, not with the features bundle (its formatters set up Intl). */
const hdrLib = (): typeof Hdr => require('hdr-histogram-js') as typeof Hdr;

export function newHistogram(): Hdr.Histogram {
  return hdrLib().build({ lowestDiscernibleValue: 1, highestTrackableValue: HIGHEST_US, numberOfSignificantValueDigits: 3 });
}

/** A failure cause for a completed response, or undefined when the status counts as success (2xx/3xx). */
export function statusFailure(status: number): string | undefined {
  return status >= 200 && status < 400 ? undefined : `HTTP ${status}`;
}

export interface EndpointDelta {
  name: string;
  requests: number;
  failures: number;
  /** Interval latency histogram, compressed (hdr-histogram-js format). Empty string when no samples. */
  hist: string;
}

/** What a worker reports for one interval. */
export interface StatsDelta {
  requests: number;
  failures: number;
  bytes: number;
  statuses: Record<string, number>;
  causes: Record<string, number>;
  endpoints: EndpointDelta[];
  activeUsers: number;
}

const BATCH = 4096;

class EndpointRecorder {
  requests = 0;
  failures = 0;
  readonly batch = new Float64Array(BATCH);
  n = 0;
  readonly hist = newHistogram();
  constructor(readonly name: string) {}

  flush(): void {
    const h = this.hist;
    const b = this.batch;
    for (let k = 0; k < this.n; k++) {
      let v = Math.round(b[k]);
      if (v < 1) v = 1;
      else if (v > HIGHEST_US) v = HIGHEST_US;
      h.recordValue(v);
    }
    this.n = 0;
  }
}

export class Recorder {
  private readonly endpoints: EndpointRecorder[] = [];
  private readonly byName = new Map<string, number>();
  requests = 0;
  failures = 0;
  bytes = 0;
  activeUsers = 0;
  private statuses = new Map<number, number>();
  private causes = new Map<string, number>();

  /** Index of the endpoint called name (registered on first use). */
  endpoint(name: string): number {
    let i = this.byName.get(name);
    if (i === undefined) {
      i = this.endpoints.length;
      this.endpoints.push(new EndpointRecorder(name));
      this.byName.set(name, i);
    }
    return i;
  }

  /** A response arrived: status and latency in ms. */
  response(ep: number, status: number, latencyMs: number, bytes: number): void {
    const e = this.endpoints[ep];
    e.requests++;
    this.requests++;
    this.bytes += bytes;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
    if (status < 200 || status >= 400) {
      e.failures++;
      this.failures++;
      const cause = `HTTP ${status}`;
      this.causes.set(cause, (this.causes.get(cause) ?? 0) + 1);
    }
    e.batch[e.n++] = latencyMs * 1000;
    if (e.n === BATCH) e.flush();
  }

  /** A request failed without a response (connection error, timeout, protocol error). */
  failure(ep: number, cause: string, latencyMs?: number): void {
    const e = this.endpoints[ep];
    e.requests++;
    e.failures++;
    this.requests++;
    this.failures++;
    this.causes.set(cause, (this.causes.get(cause) ?? 0) + 1);
    if (latencyMs !== undefined) {
      e.batch[e.n++] = latencyMs * 1000;
      if (e.n === BATCH) e.flush();
    }
  }

  /** Takes the interval's counts and resets them. */
  take(): StatsDelta {
    const endpoints: EndpointDelta[] = [];
    for (const e of this.endpoints) {
      e.flush();
      if (e.requests === 0 && e.hist.totalCount === 0) continue;
      endpoints.push({
        name: e.name,
        requests: e.requests,
        failures: e.failures,
        hist: e.hist.totalCount > 0 ? hdrLib().encodeIntoCompressedBase64(e.hist) : '',
      });
      e.requests = 0;
      e.failures = 0;
      e.hist.reset();
    }
    const delta: StatsDelta = {
      requests: this.requests,
      failures: this.failures,
      bytes: this.bytes,
      statuses: Object.fromEntries([...this.statuses].map(([k, v]) => [String(k), v])),
      causes: Object.fromEntries(this.causes),
      endpoints,
      activeUsers: this.activeUsers,
    };
    this.requests = 0;
    this.failures = 0;
    this.bytes = 0;
    this.statuses = new Map();
    this.causes = new Map();
    return delta;
  }
}

const ms = (us: number): number => Math.round(us) / 1000;

class EndpointTotals {
  requests = 0;
  failures = 0;
  readonly total = newHistogram();
  constructor(readonly name: string) {}
}

/** Merges worker deltas: interval view for live samples, totals for the report. */
export class Aggregator {
  requests = 0;
  failures = 0;
  bytes = 0;
  readonly statuses: Record<string, number> = {};
  readonly causes: Record<string, number> = {};
  readonly total = newHistogram();
  private readonly endpoints = new Map<string, EndpointTotals>();
  private interval = newHistogram();
  private intervalRequests = 0;
  private intervalFailures = 0;
  private intervalStart: number;
  private readonly activeUsers = new Map<number, number>();
  readonly timeline: LiveStats[] = [];

  constructor(private startedAt: number) {
    this.intervalStart = startedAt;
  }

  /** Moves the start of the run (and of the current interval) to now. */
  restart(now: number): void {
    this.startedAt = now;
    this.intervalStart = now;
  }

  add(source: number, d: StatsDelta): void {
    this.requests += d.requests;
    this.failures += d.failures;
    this.bytes += d.bytes;
    this.intervalRequests += d.requests;
    this.intervalFailures += d.failures;
    for (const [k, v] of Object.entries(d.statuses)) this.statuses[k] = (this.statuses[k] ?? 0) + v;
    for (const [k, v] of Object.entries(d.causes)) this.causes[k] = (this.causes[k] ?? 0) + v;
    this.activeUsers.set(source, d.activeUsers);
    for (const e of d.endpoints) {
      let t = this.endpoints.get(e.name);
      if (!t) this.endpoints.set(e.name, (t = new EndpointTotals(e.name)));
      t.requests += e.requests;
      t.failures += e.failures;
      if (e.hist) {
        const h = hdrLib().decodeFromCompressedBase64(e.hist);
        t.total.add(h);
        this.total.add(h);
        this.interval.add(h);
        h.destroy();
      }
    }
  }

  /** Closes the current interval and returns its live sample. */
  sample(now: number, state: string): LiveStats {
    const seconds = Math.max((now - this.intervalStart) / 1000, 1e-3);
    const s: LiveStats = {
      time: now,
      elapsedSeconds: Math.round((now - this.startedAt) / 100) / 10,
      rps: Math.round((this.intervalRequests / seconds) * 10) / 10,
      failPercent: this.intervalRequests ? round2((100 * this.intervalFailures) / this.intervalRequests) : 0,
      p50Ms: ms(this.interval.getValueAtPercentile(50)),
      p95Ms: ms(this.interval.getValueAtPercentile(95)),
      p99Ms: ms(this.interval.getValueAtPercentile(99)),
      activeUsers: [...this.activeUsers.values()].reduce((a, b) => a + b, 0),
      totalRequests: this.requests,
      totalFailures: this.failures,
      state,
      endpoints: this.endpointStats(),
    };
    this.interval.reset();
    this.intervalRequests = 0;
    this.intervalFailures = 0;
    this.intervalStart = now;
    this.timeline.push(s);
    return s;
  }

  endpointStats(): EndpointStats[] {
    return [...this.endpoints.values()].map((e) => ({
      name: e.name,
      requests: e.requests,
      failures: e.failures,
      p50Ms: ms(e.total.getValueAtPercentile(50)),
      p95Ms: ms(e.total.getValueAtPercentile(95)),
      p99Ms: ms(e.total.getValueAtPercentile(99)),
      maxMs: ms(e.total.maxValue),
      meanMs: ms(e.total.mean),
    }));
  }

  latency(): { min: number; mean: number; p50: number; p90: number; p95: number; p99: number; p999: number; max: number } {
    const h = this.total;
    if (h.totalCount === 0) return { min: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0 };
    return {
      min: ms(h.minNonZeroValue),
      mean: ms(h.mean),
      p50: ms(h.getValueAtPercentile(50)),
      p90: ms(h.getValueAtPercentile(90)),
      p95: ms(h.getValueAtPercentile(95)),
      p99: ms(h.getValueAtPercentile(99)),
      p999: ms(h.getValueAtPercentile(99.9)),
      max: ms(h.maxValue),
    };
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}
