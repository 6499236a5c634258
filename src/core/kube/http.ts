// A plain JSON GET against the API server with the kubeconfig's TLS and auth (tokens, exec
// plugins, client certificates) applied by client-node. Lists go through here rather than the
// generated clients because those turn every object into class instances with Date fields — slow
// for thousands of pods and different from what watch events carry (plain JSON).
import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from '@kubernetes/client-node';

/** An HTTP error shaped like client-node's ApiException (code + body) so error mapping treats both alike. */
export class KubeHttpError extends Error {
  constructor(
    readonly code: number,
    readonly body: string,
    path: string,
  ) {
    super(`HTTP ${code} for GET ${path}`);
    this.name = 'KubeHttpError';
  }
}

export interface GetOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
}

export async function getJson<T>(kc: KubeConfig, path: string, opts: GetOptions = {}): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('No active cluster in the kubeconfig');
  const url = new URL(cluster.server.replace(/\/+$/, '') + path);
  const reqOpts: https.RequestOptions = {
    method: 'GET',
    headers: { Accept: 'application/json' },
  };
  await kc.applyToHTTPSOptions(reqOpts);
  const mod = url.protocol === 'http:' ? http : https;
  if (url.protocol === 'http:') delete reqOpts.agent; // an https agent cannot carry plain http
  return new Promise<T>((resolve, reject) => {
    const req = mod.request(url, { ...reqOpts, signal: opts.signal, timeout: opts.timeoutMs ?? 60_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if ((res.statusCode ?? 0) >= 300) {
          reject(new KubeHttpError(res.statusCode ?? 0, text, path));
          return;
        }
        try {
          resolve(JSON.parse(text) as T);
        } catch (err) {
          reject(err);
        }
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error(`GET ${path} timed out`), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
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
