// Reads a Locust master's live statistics (GET /stats/requests, served by its web UI) into the engine's
// LiveStats shape, so a Locust run (local or in the cluster) feeds the same charts as our own engine.
import type { EndpointStats, LiveStats } from './types';

/** The parts of Locust's /stats/requests JSON we use (Locust 2.x). */
export interface LocustStatsJson {
  state?: string;
  fail_ratio?: number;
  total_rps?: number;
  total_fail_per_sec?: number;
  user_count?: number;
  current_response_time_percentile_50?: number | null;
  current_response_time_percentile_95?: number | null;
  stats?: Array<{
    method?: string;
    name?: string;
    num_requests?: number;
    num_failures?: number;
    avg_response_time?: number;
    max_response_time?: number;
    median_response_time?: number | null;
    ninetieth_response_time?: number | null;
    ninety_ninth_response_time?: number | null;
    current_rps?: number;
    current_fail_per_sec?: number;
    [k: string]: unknown;
  }>;
  errors?: Array<{ method?: string; name?: string; error?: string; occurrences?: number }>;
  workers?: Array<{ id?: string; state?: string; user_count?: number }>;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const r1 = (v: number): number => Math.round(v * 10) / 10;

/** Locust's error table as failures by cause: "<method> <name>: <error>" → occurrences (the same cause on several rows adds up). */
export function locustErrors(j: LocustStatsJson): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of Array.isArray(j.errors) ? j.errors : []) {
    const where = `${e.method ? `${e.method} ` : ''}${e.name ?? ''}`.trim();
    const cause = `${where ? `${where}: ` : ''}${(e.error ?? 'error').slice(0, 300)}`;
    out[cause] = (out[cause] ?? 0) + num(e.occurrences);
  }
  return out;
}

/** Maps one /stats/requests document. startedAt: epoch ms the run started (for elapsedSeconds). */
export function mapLocustStats(j: LocustStatsJson, startedAt: number, now = Date.now()): LiveStats {
  const stats = Array.isArray(j.stats) ? j.stats : [];
  const agg = stats.find((s) => s.name === 'Aggregated') ?? stats[stats.length - 1];
  const endpoints: EndpointStats[] = stats
    .filter((s) => s !== agg)
    .map((s) => ({
      name: `${s.method ? `${s.method} ` : ''}${s.name ?? ''}`,
      requests: num(s.num_requests),
      failures: num(s.num_failures),
      p50Ms: num(s.median_response_time),
      p95Ms: num(s['response_time_percentile_0.95'] ?? s.ninetieth_response_time),
      p99Ms: num(s.ninety_ninth_response_time),
      maxMs: num(s.max_response_time),
      meanMs: r1(num(s.avg_response_time)),
    }));
  const rps = num(j.total_rps ?? agg?.current_rps);
  const failPerSec = num(j.total_fail_per_sec ?? agg?.current_fail_per_sec);
  // Current failure share when Locust reports a current failure rate, else the cumulative ratio.
  const failPercent = rps > 0 && (j.total_fail_per_sec !== undefined || agg?.current_fail_per_sec !== undefined)
    ? (100 * failPerSec) / rps
    : 100 * num(j.fail_ratio);
  return {
    time: now,
    elapsedSeconds: r1(Math.max(0, (now - startedAt) / 1000)),
    rps: r1(rps),
    failPercent: Math.round(Math.min(100, failPercent) * 100) / 100,
    p50Ms: num(j.current_response_time_percentile_50 ?? agg?.median_response_time),
    p95Ms: num(j.current_response_time_percentile_95 ?? agg?.ninetieth_response_time),
    // Locust has no current p99; this is the run's cumulative p99.
    p99Ms: num(agg?.ninety_ninth_response_time),
    activeUsers: num(j.user_count),
    totalRequests: num(agg?.num_requests),
    totalFailures: num(agg?.num_failures),
    state: typeof j.state === 'string' ? j.state : 'unknown',
    endpoints,
    failuresByCause: locustErrors(j),
  };
}

export interface LocustPollOptions {
  /** Fetches the master's /stats/requests document (plain HTTP, an apiserver service proxy, a port-forward...). */
  get: () => Promise<LocustStatsJson>;
  onStats: (s: LiveStats) => void;
  onError?: (err: unknown) => void;
  intervalMs?: number;
  startedAt?: number;
}

export interface LocustPoller {
  stop(): void;
  /** Samples seen so far. */
  readonly timeline: LiveStats[];
  /** Resolves when Locust reports the run stopped (or stop() is called). */
  readonly ended: Promise<LiveStats | undefined>;
}

/** Polls a Locust master once per interval until it reports 'stopped' or stop() is called. */
export function pollLocust(o: LocustPollOptions): LocustPoller {
  const startedAt = o.startedAt ?? Date.now();
  const timeline: LiveStats[] = [];
  let stopped = false;
  let resolveEnded!: (s: LiveStats | undefined) => void;
  const ended = new Promise<LiveStats | undefined>((r) => (resolveEnded = r));
  let timer: NodeJS.Timeout | undefined;
  const finish = (): void => {
    stopped = true;
    if (timer) clearTimeout(timer);
    resolveEnded(timeline[timeline.length - 1]);
  };
  const tick = async (): Promise<void> => {
    if (stopped) return;
    try {
      const s = mapLocustStats(await o.get(), startedAt);
      if (stopped) return;
      timeline.push(s);
      o.onStats(s);
      if (s.state === 'stopped') return finish();
    } catch (err) {
      o.onError?.(err);
    }
    if (!stopped) timer = setTimeout(() => void tick(), o.intervalMs ?? 1000);
  };
  void tick();
  return { stop: finish, timeline, ended };
}

/** A getter for a Locust master reachable over plain HTTP (e.g. http://127.0.0.1:8089). */
export function httpLocustGetter(baseUrl: string, timeoutMs = 5000): () => Promise<LocustStatsJson> {
  const url = `${baseUrl.replace(/\/$/, '')}/stats/requests`;
  return async () => {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    if (!res.ok) throw new Error(`Locust answered ${res.status} for ${url}`);
    return (await res.json()) as LocustStatsJson;
  };
}
