// Shapes shared by the load engine, its worker threads, the Locust stats client and the UI.
// Everything here is plain data (structured-clone safe) so it crosses worker and webview boundaries.

/** One request as the engine sends it. */
export interface RequestSpec {
  method?: string;
  /** Path and query, e.g. "/catalogue?tags=blue". */
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** Name the request is reported under (defaults to "METHOD path"). */
  name?: string;
}

export interface TargetSpec {
  /** http://host[:port][/base] — only http is supported by the engine (TLS endpoints: use a port-forward or Locust). */
  url: string;
  /** Extra headers sent with every request. */
  headers?: Record<string, string>;
  /** Cookies sent with every request, e.g. "somecookie=rawr" (ab -C). */
  cookies?: string[];
  /** Keep connections open between requests (ab -k). Default true. */
  keepAlive?: boolean;
  /** Per-request timeout in ms (connection + response). Default 30 000. */
  timeoutMs?: number;
}

/** ab-style closed model: `requests` in total over `concurrency` connections, each sends when the last answered. */
export interface ClosedModel {
  kind: 'closed';
  requests: number;
  concurrency: number;
  request?: RequestSpec;
}

/** Open model: a constant arrival rate; latency is measured from each request's intended send time. */
export interface OpenModel {
  kind: 'open';
  /** Arrivals per second. */
  rate: number;
  /** Upper bound on connections the engine may open to keep up (requests wait in a queue beyond that). */
  maxConnections: number;
  request?: RequestSpec;
}

/** Locust-style model: users spawn at `spawnRate` per second, each loops over weighted tasks with waits between. */
export interface UsersModel {
  kind: 'users';
  users: number;
  spawnRate: number;
  /** Wait between tasks in seconds, uniformly drawn from [min, max] (Locust's between(min, max)). */
  waitSeconds: [number, number];
  /** A built-in flow. */
  flow: FlowName;
}

export type FlowName = 'index' | 'sockshop';
export type LoadModel = ClosedModel | OpenModel | UsersModel;

export interface LoadSpec {
  target: TargetSpec;
  model: LoadModel;
  /** Hard bounds: the run ends at whichever comes first. */
  maxRequests: number;
  maxDurationSeconds: number;
  /** Worker threads to spread connections over (default: one per spare core, at least 1). */
  threads?: number;
  /** Interval of live stats in ms (default 1000). */
  statsIntervalMs?: number;
}

/** Per-name counters in a live or final snapshot. */
export interface EndpointStats {
  name: string;
  requests: number;
  failures: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
}

/** What every source of load (our engine, a Locust master) reports once per interval. */
export interface LiveStats {
  /** Epoch ms of this sample. */
  time: number;
  elapsedSeconds: number;
  /** Requests completed per second over the last interval. */
  rps: number;
  /** Failed / completed over the last interval, in percent. */
  failPercent: number;
  /** Latency percentiles over the last interval (ms). */
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  activeUsers: number;
  totalRequests: number;
  totalFailures: number;
  /** Run state: 'spawning' | 'running' | 'stopping' | 'stopped' (Locust adds 'ready', 'missing', ...). */
  state: string;
  endpoints?: EndpointStats[];
  /** Failures by cause so far (Locust's error table: "GET /: ConnectionRefusedError(...)" → occurrences). */
  failuresByCause?: Record<string, number>;
}

export interface LoadReport {
  spec: LoadSpec;
  startedAt: string;
  endedAt: string;
  durationSeconds: number;
  /** Why the run ended: 'completed' | 'maxRequests' | 'maxDuration' | 'stopped' | 'error'. */
  endReason: string;
  requests: number;
  successes: number;
  failures: number;
  failPercent: number;
  rps: number;
  bytesReceived: number;
  latencyMs: { min: number; mean: number; p50: number; p90: number; p95: number; p99: number; p999: number; max: number };
  /** Completed responses by HTTP status code. */
  statuses: Record<string, number>;
  /** Failures by cause: "HTTP 500", "timeout", "ECONNRESET", ... */
  failuresByCause: Record<string, number>;
  endpoints: EndpointStats[];
  /** The live samples, for charts. */
  timeline: LiveStats[];
}
