// Prometheus HTTP API client and the ways to reach an in-cluster Prometheus from the editor:
//   1. port-forward to the Prometheus pod (a loopback listener; each connection opens a kube
//      port-forward stream, so it survives pod restarts),
//   2. the apiserver's service proxy (/api/v1/namespaces/<ns>/services/<svc>:<port>/proxy/),
//   3. a URL from the sockShop.prometheus.url setting,
//   4. Grafana's datasource proxy (/api/datasources/proxy/uid/<uid>/) when Grafana credentials are given.
// resolvePrometheus tries them in that order and reports which one works.
import * as http from 'node:http';
import * as https from 'node:https';
import { CoreV1Api, KubeConfig, ApiregistrationV1Api, type V1Service } from '@kubernetes/client-node';
import { describeError, httpStatus, UserError } from '../errors';
import { kubeTransport, type HttpGet, type HttpResponse } from '../kube/http';
import { openTunnel, type ServiceEndpoint } from '../kube/portforward';
import { apiClient } from '../kube/client';


export class PrometheusError extends Error {
  constructor(
    message: string,
    /** unreachable: no answer; http: a non-Prometheus HTTP error; query: Prometheus rejected the query; timeout. */
    readonly kind: 'unreachable' | 'http' | 'query' | 'timeout',
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PrometheusError';
  }
}

export interface PromSample {
  metric: Record<string, string>;
  /** [unix seconds, value] */
  value: [number, string];
}
export interface PromSeries {
  metric: Record<string, string>;
  values: [number, string][];
}
export type InstantResult =
  | { resultType: 'vector'; result: PromSample[] }
  | { resultType: 'scalar'; result: [number, string] }
  | { resultType: 'string'; result: [number, string] };
export interface RangeResult {
  resultType: 'matrix';
  result: PromSeries[];
}

export class PrometheusClient {
  /** Number of HTTP requests issued (for the benchmark and tests). */
  requests = 0;

  constructor(
    private readonly get: HttpGet,
    readonly timeoutMs = 10_000,
  ) {}

  private async call<T>(path: string, params: Record<string, string | string[] | undefined>, signal?: AbortSignal): Promise<T> {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v === undefined) continue;
      for (const one of Array.isArray(v) ? v : [v]) qs.append(k, one);
    }
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
    this.requests++;
    let res: HttpResponse;
    try {
      res = await this.get(`${path}${qs.size ? `?${qs}` : ''}`, combined);
    } catch (err) {
      if (timeout.aborted) throw new PrometheusError(`Prometheus did not answer within ${Math.round(this.timeoutMs / 1000)} s`, 'timeout');
      if (signal?.aborted) throw err;
      throw new PrometheusError(`Prometheus is unreachable: ${describeError(err)}`, 'unreachable');
    }
    let body: { status?: string; data?: unknown; error?: string; errorType?: string } | undefined;
    try {
      body = JSON.parse(res.body);
    } catch {
      body = undefined;
    }
    if (body?.status === 'success') return body.data as T;
    if (body?.status === 'error') throw new PrometheusError(`Prometheus: ${body.errorType ?? 'error'}: ${body.error ?? 'unknown'}`, 'query', res.status);
    const snippet = res.body.replace(/\s+/g, ' ').trim().slice(0, 160);
    throw new PrometheusError(`Prometheus answered HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`, res.status >= 500 ? 'unreachable' : 'http', res.status);
  }

  query(expr: string, time?: number, signal?: AbortSignal): Promise<InstantResult> {
    return this.call('api/v1/query', { query: expr, time: time === undefined ? undefined : String(time) }, signal);
  }

  queryRange(expr: string, start: number, end: number, stepSeconds: number, signal?: AbortSignal): Promise<RangeResult> {
    return this.call('api/v1/query_range', { query: expr, start: String(start), end: String(end), step: String(stepSeconds) }, signal);
  }

  labelValues(label: string, match?: string, range?: { start: number; end: number }, signal?: AbortSignal): Promise<string[]> {
    return this.call(`api/v1/label/${encodeURIComponent(label)}/values`, {
      'match[]': match,
      start: range ? String(range.start) : undefined,
      end: range ? String(range.end) : undefined,
    }, signal);
  }

  series(match: string[], range?: { start: number; end: number }, signal?: AbortSignal): Promise<Record<string, string>[]> {
    return this.call('api/v1/series', { 'match[]': match, start: range ? String(range.start) : undefined, end: range ? String(range.end) : undefined }, signal);
  }

  buildInfo(signal?: AbortSignal): Promise<{ version: string }> {
    return this.call('api/v1/status/buildinfo', {}, signal);
  }
}

// ---------------------------------------------------------------------------------------------------
// Transports

function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
}

/**
 * Plain HTTP(S) GET against base, with optional headers (Grafana basic auth), over kept-alive
 * connections: through a port-forward each new connection is a new apiserver stream (a TLS handshake),
 * so a 5 s refresh must not reopen them (fetch drops idle connections after 4 s). Answers are asked for
 * uncompressed: on loopback inflating costs more CPU than the bytes it saves.
 */
export function urlTransport(base: string, headers?: Record<string, string>, compressed = false): HttpGet {
  const h = { Accept: 'application/json', ...(compressed ? {} : { 'Accept-Encoding': 'identity' }), ...headers };
  const target = new URL(base);
  const mod = target.protocol === 'https:' ? https : http;
  const agent = new mod.Agent({ keepAlive: true, maxSockets: 6, timeout: 120_000 });
  const once = (pathAndQuery: string, signal: AbortSignal, retried: boolean): Promise<HttpResponse> =>
    new Promise<HttpResponse>((resolve, reject) => {
      const req = mod.request(joinUrl(base, pathAndQuery), { method: 'GET', headers: h, agent, signal }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        // A kept-alive connection the server closed just as it was reused: try once on a fresh one.
        if (!retried && req.reusedSocket && err.code === 'ECONNRESET' && !signal.aborted) resolve(once(pathAndQuery, signal, true));
        else reject(err);
      });
      req.end();
    });
  return (pathAndQuery, signal) => once(pathAndQuery, signal, false);
}

export function serviceProxyPath(namespace: string, service: string, port: number | string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${encodeURIComponent(service)}:${port}/proxy/`;
}

// ---------------------------------------------------------------------------------------------------
// Monitoring Stack detection

export const STACK_NAMESPACES = ['kube-prometheus-stack', 'prometheus-operator'];


export interface MonitoringStatus {
  /** Namespace of the Monitoring Stack, when found. */
  namespace?: string;
  prometheus?: ServiceEndpoint;
  grafana?: ServiceEndpoint;
  metricsServer: { available: boolean; message: string };
}

function endpointOf(svc: V1Service, wantPort: number | undefined): ServiceEndpoint | undefined {
  const ports = svc.spec?.ports ?? [];
  const p = ports.find((x) => x.port === wantPort) ?? ports.find((x) => /web|http/.test(x.name ?? '')) ?? ports[0];
  if (!p || !svc.metadata?.name || !svc.metadata.namespace) return undefined;
  const ing = svc.status?.loadBalancer?.ingress?.[0];
  return {
    namespace: svc.metadata.namespace,
    name: svc.metadata.name,
    port: p.port,
    targetPort: p.targetPort ?? p.port,
    selector: svc.spec?.selector ?? {},
    type: svc.spec?.type ?? 'ClusterIP',
    external: ing?.ip ?? ing?.hostname ?? undefined,
  };
}

/** Whether the metrics API (metrics-server) is registered and Available. */
export async function metricsApiStatus(kc: KubeConfig): Promise<{ available: boolean; message: string }> {
  try {
    const api = apiClient(kc, ApiregistrationV1Api);
    const svc = await api.readAPIService({ name: 'v1beta1.metrics.k8s.io' });
    const cond = svc.status?.conditions?.find((c) => c.type === 'Available');
    if (cond?.status === 'True') return { available: true, message: 'metrics-server is available' };
    return { available: false, message: `metrics-server is not ready${cond?.message ? `: ${cond.message}` : ''}` };
  } catch (err) {
    if (httpStatus(err) === 404) return { available: false, message: 'metrics-server is not installed (no APIService v1beta1.metrics.k8s.io)' };
    return { available: false, message: `cannot check metrics-server: ${describeError(err)}` };
  }
}

/** Finds the Monitoring Stack's namespace, Prometheus and Grafana Services, and metrics-server. */
export async function detectMonitoring(kc: KubeConfig): Promise<MonitoringStatus> {
  const core = apiClient(kc, CoreV1Api);
  const metricsServer = await metricsApiStatus(kc);
  for (const ns of STACK_NAMESPACES) {
    let services: V1Service[];
    try {
      services = (await core.listNamespacedService({ namespace: ns })).items;
    } catch (err) {
      if (httpStatus(err) === 404 || httpStatus(err) === 403) continue;
      throw err;
    }
    if (services.length === 0) continue;
    const byName = (suffix: string) =>
      services.find((s) => s.metadata?.name === `${ns}-${suffix}`) ?? services.find((s) => s.metadata?.name?.endsWith(`-${suffix}`));
    const prom = byName('prometheus') ?? services.find((s) => s.spec?.ports?.some((p) => p.port === 9090) && !/operator|alertmanager/.test(s.metadata?.name ?? ''));
    const graf = byName('grafana');
    return {
      namespace: ns,
      prometheus: prom ? endpointOf(prom, 9090) : undefined,
      grafana: graf ? endpointOf(graf, 80) : undefined,
      metricsServer,
    };
  }
  return { metricsServer };
}

// ---------------------------------------------------------------------------------------------------
// Resolver

export type AccessPath = 'port-forward' | 'service-proxy' | 'url' | 'grafana';
export const ACCESS_ORDER: readonly AccessPath[] = ['port-forward', 'service-proxy', 'url', 'grafana'];

export interface GrafanaCredentials {
  url: string;
  user: string;
  password: string;
}

export interface PrometheusAccess {
  path: AccessPath;
  /** Human description, e.g. "port-forward 127.0.0.1:43121 → kube-prometheus-stack/prometheus-0:9090". */
  description: string;
  client: PrometheusClient;
  dispose(): Promise<void>;
}

export interface ResolveOptions {
  kc?: KubeConfig;
  monitoring?: MonitoringStatus;
  /** sockShop.prometheus.url */
  url?: string;
  grafana?: GrafanaCredentials;
  /** Restrict or reorder the paths tried (tests use this to exercise one path). */
  order?: readonly AccessPath[];
  timeoutMs?: number;
  log?: (m: string) => void;
}

export interface Attempt {
  path: AccessPath;
  ok: boolean;
  detail: string;
}

export function basicAuth(user: string, password: string): Record<string, string> {
  return { Authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
}

/** Tries each access path in order; returns the first that answers buildinfo, with every attempt. */
export async function resolvePrometheus(opts: ResolveOptions): Promise<{ access: PrometheusAccess; attempts: Attempt[] }> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const probeMs = Math.min(timeoutMs, 5_000);
  const attempts: Attempt[] = [];
  const prom = opts.monitoring?.prometheus;
  for (const path of opts.order ?? ACCESS_ORDER) {
    let dispose = async () => {};
    try {
      let get: HttpGet;
      let description: string;
      if (path === 'port-forward') {
        if (!opts.kc || !prom) throw new Error('no Prometheus Service found in the cluster');
        const tunnel = await openTunnel(opts.kc, prom, 0, opts.log);
        dispose = () => tunnel.close();
        get = urlTransport(tunnel.url);
        description = `port-forward ${tunnel.url.replace('http://', '')} → pod ${prom.namespace}/${tunnel.pod()}:${prom.targetPort}`;
      } else if (path === 'service-proxy') {
        if (!opts.kc || !prom) throw new Error('no Prometheus Service found in the cluster');
        const base = serviceProxyPath(prom.namespace, prom.name, prom.port);
        get = kubeTransport(opts.kc, base);
        description = `apiserver service proxy ${base}`;
      } else if (path === 'url') {
        if (!opts.url) throw new Error('the setting sockShop.prometheus.url is empty');
        get = urlTransport(opts.url);
        description = `URL ${opts.url}`;
      } else {
        if (!opts.grafana) throw new Error('no Grafana credentials given');
        const uid = await grafanaPrometheusUid(opts.grafana, probeMs);
        const base = joinUrl(opts.grafana.url, `api/datasources/proxy/uid/${encodeURIComponent(uid)}/`);
        get = urlTransport(base, basicAuth(opts.grafana.user, opts.grafana.password));
        description = `Grafana datasource proxy ${opts.grafana.url} (datasource ${uid})`;
      }
      const probe = new PrometheusClient(get, probeMs);
      await probe.buildInfo();
      attempts.push({ path, ok: true, detail: description });
      opts.log?.(`Prometheus reached through ${description}`);
      return { access: { path, description, client: new PrometheusClient(get, timeoutMs), dispose }, attempts };
    } catch (err) {
      await dispose().catch(() => undefined);
      attempts.push({ path, ok: false, detail: describeError(err) });
      opts.log?.(`Prometheus via ${path}: ${describeError(err)}`);
    }
  }
  throw new UserError(
    `Cannot reach Prometheus: ${attempts.map((a) => `${a.path}: ${a.detail}`).join('; ')}`,
    'PrometheusUnreachable',
  );
}

// ---------------------------------------------------------------------------------------------------
// Grafana API bits used for the datasource proxy

export async function grafanaFetch(g: GrafanaCredentials, path: string, init: RequestInit = {}, timeoutMs = 10_000): Promise<Response> {
  return fetch(joinUrl(g.url, path), {
    ...init,
    signal: AbortSignal.timeout(timeoutMs),
    headers: { Accept: 'application/json', ...(init.body ? { 'Content-Type': 'application/json' } : {}), ...basicAuth(g.user, g.password), ...(init.headers as Record<string, string> | undefined) },
  });
}

/** The uid of Grafana's default (else first) Prometheus datasource. */
export async function grafanaPrometheusUid(g: GrafanaCredentials, timeoutMs = 10_000): Promise<string> {
  const res = await grafanaFetch(g, 'api/datasources', {}, timeoutMs);
  if (res.status === 401) throw new UserError('Grafana rejected the login (HTTP 401).', 'GrafanaUnauthorized');
  if (!res.ok) throw new Error(`Grafana answered HTTP ${res.status} to /api/datasources`);
  const list = (await res.json()) as { uid: string; type: string; isDefault?: boolean }[];
  const proms = list.filter((d) => d.type === 'prometheus');
  const ds = proms.find((d) => d.isDefault) ?? proms[0];
  if (!ds) throw new Error('Grafana has no Prometheus datasource');
  return ds.uid;
}
