// `kubectl top pods` / `kubectl top nodes` from the metrics API (metrics-server), joined with the pods'
// requests/limits and the nodes' allocatable, plus markers for pods restarted or replaced recently.
import type { KubeConfig, NodeMetric, PodMetric, V1Node, V1Pod } from '@kubernetes/client-node';
import { describeError, httpStatus, UserError } from '../errors';
import { parseQuantity } from '../kube/format';
import { KubeHttpError, kubeTransport } from '../kube/http';

export interface PodTop {
  namespace: string;
  name: string;
  /** CPU usage in millicores (kubectl top rounds to whole millicores). */
  cpuMillicores: number;
  /** Memory usage in MiB (kubectl top shows Mi, rounded down). */
  memoryMiB: number;
  cpuRequestPct?: number;
  cpuLimitPct?: number;
  memoryRequestPct?: number;
  memoryLimitPct?: number;
  restarts: number;
  ageSeconds?: number;
  /** "restarted 2m ago", "new pod (replaced?) 40s ago" — set when within the recent window. */
  marker?: string;
  node?: string;
}

export interface NodeTop {
  name: string;
  cpuMillicores: number;
  cpuPct?: number;
  memoryMiB: number;
  memoryPct?: number;
}

export interface TopOptions {
  nowMs?: number;
  /** What "recently" means for the restart/replacement marker (default 10 minutes). */
  recentMs?: number;
}

function pct(used: number, of: number): number | undefined {
  return of > 0 ? Math.round((used / of) * 100) : undefined;
}

function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  return s < 90 ? `${s}s ago` : `${Math.round(s / 60)}m ago`;
}

/** Joins pod metrics with the pod specs the way kubectl top does (sum over containers). */
export function computePodTop(metrics: PodMetric[], pods: V1Pod[], opts: TopOptions = {}): PodTop[] {
  const now = opts.nowMs ?? Date.now();
  const recent = opts.recentMs ?? 10 * 60_000;
  const byName = new Map(pods.map((p) => [`${p.metadata?.namespace}/${p.metadata?.name}`, p]));
  return metrics.map((m) => {
    const cpu = m.containers.reduce((a, c) => a + parseQuantity(c.usage.cpu), 0);
    const mem = m.containers.reduce((a, c) => a + parseQuantity(c.usage.memory), 0);
    const pod = byName.get(`${m.metadata.namespace}/${m.metadata.name}`);
    const containers = pod?.spec?.containers ?? [];
    const sum = (kind: 'requests' | 'limits', res: 'cpu' | 'memory') =>
      containers.reduce((a, c) => a + parseQuantity(c.resources?.[kind]?.[res] as string | undefined), 0);
    const statuses = pod?.status?.containerStatuses ?? [];
    const restarts = statuses.reduce((a, s) => a + (s.restartCount ?? 0), 0);
    const created = pod?.metadata?.creationTimestamp ? new Date(pod.metadata.creationTimestamp).getTime() : undefined;
    let lastRestart: number | undefined;
    for (const s of statuses) {
      const fin = s.lastState?.terminated?.finishedAt;
      if (fin) lastRestart = Math.max(lastRestart ?? 0, new Date(fin).getTime());
    }
    let marker: string | undefined;
    if (lastRestart !== undefined && now - lastRestart <= recent) marker = `restarted ${ago(now - lastRestart)}`;
    else if (created !== undefined && now - created <= recent) marker = `new pod, created ${ago(now - created)}`;
    const cpuM = Math.round(cpu * 1000);
    const memMi = Math.floor(mem / 1024 ** 2);
    return {
      namespace: m.metadata.namespace,
      name: m.metadata.name,
      cpuMillicores: cpuM,
      memoryMiB: memMi,
      cpuRequestPct: pct(cpu, sum('requests', 'cpu')),
      cpuLimitPct: pct(cpu, sum('limits', 'cpu')),
      memoryRequestPct: pct(mem, sum('requests', 'memory')),
      memoryLimitPct: pct(mem, sum('limits', 'memory')),
      restarts,
      ageSeconds: created !== undefined ? Math.round((now - created) / 1000) : undefined,
      marker,
      node: pod?.spec?.nodeName,
    };
  });
}

export function computeNodeTop(metrics: NodeMetric[], nodes: V1Node[]): NodeTop[] {
  const byName = new Map(nodes.map((n) => [n.metadata?.name, n]));
  return metrics.map((m) => {
    const cpu = parseQuantity(m.usage.cpu);
    const mem = parseQuantity(m.usage.memory);
    const alloc = byName.get(m.metadata.name)?.status?.allocatable ?? {};
    return {
      name: m.metadata.name,
      cpuMillicores: Math.round(cpu * 1000),
      cpuPct: pct(cpu, parseQuantity(alloc.cpu)),
      memoryMiB: Math.floor(mem / 1024 ** 2),
      memoryPct: pct(mem, parseQuantity(alloc.memory)),
    };
  });
}

export type SortKey = keyof PodTop | keyof NodeTop;

/** Sorts rows by a column; numbers numerically (missing last), text by locale. */
export function sortRows<T extends object>(rows: T[], key: string, descending = false): T[] {
  const dir = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = (a as Record<string, unknown>)[key];
    const y = (b as Record<string, unknown>)[key];
    if (x === undefined || x === null) return y === undefined || y === null ? 0 : 1;
    if (y === undefined || y === null) return -1;
    if (typeof x === 'number' && typeof y === 'number') return (x - y) * dir;
    return String(x).localeCompare(String(y)) * dir;
  });
}

/** Explains a metrics API failure specifically (503: metrics-server registered but not serving). */
export function metricsApiError(err: unknown): UserError {
  const status = httpStatus(err);
  if (status === 503) return new UserError('metrics-server is not ready (the metrics API answered 503 Service Unavailable). It usually is within a minute of starting.', 'MetricsNotReady', describeError(err));
  if (status === 404) return new UserError('metrics-server is not installed: the metrics API (metrics.k8s.io) is not served by this cluster.', 'MetricsMissing', describeError(err));
  return new UserError(`The metrics API failed: ${describeError(err)}`, 'MetricsFailed');
}

export interface TopResult {
  pods: PodTop[];
  nodes: NodeTop[];
}

async function getList<T>(kc: KubeConfig, path: string): Promise<T[]> {
  const res = await kubeTransport(kc, '/')(path, AbortSignal.timeout(10_000));
  if (res.status !== 200) throw new KubeHttpError(res.status, res.body, 'GET', path);
  return (JSON.parse(res.body) as { items: T[] }).items;
}

/**
 * Fetches both tables: the metrics API (as `kubectl top` reads it) and the pods/nodes it is joined
 * with, over kept-alive connections. Throws metricsApiError(...) when the metrics API fails.
 */
export async function fetchTop(kc: KubeConfig, namespace: string | undefined, opts: TopOptions = {}): Promise<TopResult> {
  // No namespace: every namespace, as `kubectl top pods --all-namespaces`.
  const scope = namespace === undefined ? '' : `namespaces/${encodeURIComponent(namespace)}/`;
  let podMetrics: PodMetric[];
  let nodeMetrics: NodeMetric[];
  try {
    [podMetrics, nodeMetrics] = await Promise.all([
      getList<PodMetric>(kc, `apis/metrics.k8s.io/v1beta1/${scope}pods`),
      getList<NodeMetric>(kc, 'apis/metrics.k8s.io/v1beta1/nodes'),
    ]);
  } catch (err) {
    throw metricsApiError(err);
  }
  const [pods, nodes] = await Promise.all([getList<V1Pod>(kc, `api/v1/${scope}pods`), getList<V1Node>(kc, 'api/v1/nodes')]);
  const rows = computePodTop(podMetrics, pods, opts);
  return {
    pods: namespace === undefined ? rows.sort((a, b) => a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name)) : sortRows(rows, 'name'),
    nodes: sortRows(computeNodeTop(nodeMetrics, nodes), 'name'),
  };
}
