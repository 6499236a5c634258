// Raw HTTP to the API server, for what the generated clients do badly: plain JSON lists (the generated
// clients turn every object into class instances with Date fields — slow for thousands of pods and unlike
// what watch events carry), the service proxy (Prometheus, a Locust master) and the metrics API. TLS and
// auth (tokens, exec plugins, client certificates) are applied by client-node; connections are kept alive
// per KubeConfig, so a 5 s refresh does not pay a TLS handshake per request. The one KubeHttpError.
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';
import { kubeStatusMessage, UserError } from '../errors';

export interface HttpResponse {
  status: number;
  body: string;
}
/** GETs a path (with query string) relative to a base; rejects on network errors and timeouts. */
export type HttpGet = (pathAndQuery: string, signal: AbortSignal) => Promise<HttpResponse>;

/** An HTTP error shaped like client-node's ApiException (code + body) so error mapping treats both alike. */
export class KubeHttpError extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
    method: string,
    path: string,
  ) {
    super(`${kubeStatusMessage({ body }) ?? `HTTP ${code}`} (${method} ${path})`);
    this.name = 'KubeHttpError';
  }
}

export interface KubeRequest {
  method?: 'GET' | 'POST';
  /** Path on the API server, with its query string (e.g. /api/v1/pods?limit=500). */
  path: string;
  headers?: Record<string, string | number>;
  body?: string;
  signal?: AbortSignal;
  timeoutMs?: number;
}

const agents = new WeakMap<KubeConfig, { http: http.Agent; https: https.Agent }>();

function joinUrl(base: string, path: string): string {
  return base.replace(/\/+$/, '') + '/' + path.replace(/^\/+/, '');
}

/** One request to the current cluster's API server; resolves with any status (see getJson for errors). */
export async function kubeRequest(kc: KubeConfig, req: KubeRequest): Promise<HttpResponse> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new UserError('The kubeconfig has no current cluster: select a context first.', 'NoCluster');
  const server = new URL(cluster.server);
  const url = new URL(server.pathname === '/' ? req.path : joinUrl(server.pathname, req.path), server);
  const opts: https.RequestOptions = { method: req.method ?? 'GET', headers: { Accept: 'application/json', ...req.headers } };
  await kc.applyToHTTPSOptions(opts);
  let pool = agents.get(kc);
  if (!pool) {
    pool = {
      http: new http.Agent({ keepAlive: true, maxSockets: 6 }),
      https: new https.Agent({ keepAlive: true, maxSockets: 6, ca: opts.ca, cert: opts.cert, key: opts.key, pfx: opts.pfx, passphrase: opts.passphrase, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername }),
    };
    agents.set(kc, pool);
  }
  // applyToHTTPSOptions hands out a fresh agent each call; keep ours unless a proxy is configured.
  if (!cluster.proxyUrl) opts.agent = url.protocol === 'http:' ? pool.http : pool.https;
  else if (url.protocol === 'http:') delete opts.agent; // an https agent cannot carry plain http
  const mod = url.protocol === 'http:' ? http : https;
  const what = `${opts.method} ${req.path.split('?')[0]}`;
  return new Promise<HttpResponse>((resolve, reject) => {
    const r = mod.request(url, { ...opts, signal: req.signal, timeout: req.timeoutMs ?? 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    r.on('timeout', () => r.destroy(Object.assign(new Error(`${what} timed out`), { code: 'ETIMEDOUT' })));
    r.on('error', reject);
    r.end(req.body);
  });
}

export interface GetOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

/** GET path as JSON; a status of 300 or more rejects with KubeHttpError. */
export async function getJson<T>(kc: KubeConfig, path: string, opts: GetOptions = {}): Promise<T> {
  const res = await kubeRequest(kc, { path, signal: opts.signal, timeoutMs: opts.timeoutMs });
  if (res.status >= 300) throw new KubeHttpError(res.status, res.body, 'GET', path);
  return JSON.parse(res.body) as T;
}

/** GETs relative to basePath on the API server (e.g. a service proxy path) with the kubeconfig's credentials. */
export function kubeTransport(kc: KubeConfig, basePath: string): HttpGet {
  return (pathAndQuery, signal) => kubeRequest(kc, { path: joinUrl(basePath, pathAndQuery), signal });
}

interface ListPage<T> {
  apiVersion?: string;
  kind?: string;
  metadata?: { resourceVersion?: string; continue?: string };
  items: T[];
}

/**
 * Lists a collection in chunks (as kubectl does, 500 per page), returning one list whose
 * resourceVersion is the snapshot's. `slim` is applied to every item as it arrives.
 */
export async function listAll<T>(
  kc: KubeConfig,
  path: string,
  opts: GetOptions & { limit?: number; slim?: (item: T) => T; fieldSelector?: string } = {},
): Promise<ListPage<T>> {
  const items: T[] = [];
  let cont: string | undefined;
  let rv: string | undefined;
  let first: ListPage<T> | undefined;
  do {
    const q = new URLSearchParams({ limit: String(opts.limit ?? 500) });
    if (cont) q.set('continue', cont);
    if (opts.fieldSelector) q.set('fieldSelector', opts.fieldSelector);
    const page = await getJson<ListPage<T>>(kc, `${path}?${q}`, opts);
    first ??= page;
    for (const it of page.items ?? []) items.push(opts.slim ? opts.slim(it) : it);
    rv = page.metadata?.resourceVersion ?? rv;
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return { apiVersion: first?.apiVersion, kind: first?.kind, metadata: { resourceVersion: rv }, items };
}
