// The one Kubernetes client of the extension: client-node API clients over one keep-alive HTTPS agent per
// client configuration, sent by transport.ts. Every feature reaches the cluster through src/core/kube (this
// file, http.ts for raw JSON and proxied GETs, apply.ts, rollout.ts, portforward.ts, actions.ts, watcher.ts).
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import {
  createConfiguration,
  KubeConfig,
  ServerConfiguration,
  wrapHttpLibrary,
  type Configuration,
  type HttpLibrary,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { httpStatus, UserError } from '../errors';
import { cameAfterResponse, NodeHttpLibrary } from './transport';

export function contextOf(kc: KubeConfig): string {
  return kc.getCurrentContext() || '(no context)';
}

export interface RequestHook {
  /** Runs on every request after authentication, before it is sent. */
  pre?(ctx: RequestContext): void;
}

/**
 * A client-node Configuration for kc whose requests share one keep-alive HTTPS agent. client-node
 * 1.4 builds a new agent (so a new TCP + TLS handshake) for every request; a deploy makes dozens of
 * requests, so reusing connections matters. Authentication is unchanged (the agent copies the TLS
 * options client-node computed, and is rebuilt if they change, e.g. a rotated client certificate).
 */
export function keepAliveConfiguration(kc: KubeConfig, hook?: RequestHook): Configuration {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new UserError('The kubeconfig has no current cluster: select a context first.', 'NoContext');
  let shared: HttpsAgent | undefined;
  let sharedTls: string | undefined;
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    httpApi: retryingHttpLibrary(),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        async pre(ctx: RequestContext): Promise<RequestContext> {
          const agent = ctx.getAgent() as (HttpsAgent & { options?: AgentOptions }) | undefined;
          if (agent instanceof HttpsAgent && agent.options) {
            // client-node builds new TLS options (new Buffers) for every request: compare their contents.
            const tls = tlsKey(agent.options);
            if (!shared || tls !== sharedTls) {
              // The agent it replaces (rotated credentials) is left to finish what it carries: destroying it
              // would cut requests in flight (its idle sockets are unref'd and close with the server's timeout).
              shared = new HttpsAgent({ ...agent.options, keepAlive: true, maxSockets: 32 });
              sharedTls = tls;
            }
            ctx.setAgent(shared);
          }
          hook?.pre?.(ctx);
          return ctx;
        },
        async post(rsp: ResponseContext): Promise<ResponseContext> {
          return rsp;
        },
      },
    ],
  });
}

/** The TLS material of agent options, by value (CA, client certificate and key, verification, SNI name). */
export function tlsKey(o: AgentOptions): string {
  const text = (v: unknown): string => (v === undefined || v === null ? '' : Array.isArray(v) ? v.map(text).join('\u0000') : Buffer.isBuffer(v) ? v.toString('base64') : String(v));
  return [text(o.ca), text(o.cert), text(o.key), text(o.pfx), String(o.rejectUnauthorized), text(o.servername)].join('\u0001');
}

/**
 * A kept-alive connection the server has closed while it sat idle in the pool (kube-apiserver closes idle
 * connections after 90 s, a restarted apiserver closes them all) fails the next request sent on it with
 * "socket hang up" / ECONNRESET before any response. Such a request never reached the server, so sending
 * it once more on a fresh connection is safe when the method is idempotent (GET, HEAD, PUT, DELETE, and
 * PATCH with an apply or merge patch). POST and JSON patches are not retried; neither is a cancelled
 * request, nor any failure that came with a response.
 */
export function retryingHttpLibrary(inner: HttpLibrary = wrapHttpLibrary(new NodeHttpLibrary())): HttpLibrary {
  const once = async (request: RequestContext): Promise<ResponseContext> => {
    try {
      return await inner.send(request).toPromise();
    } catch (err) {
      if (!isStaleConnection(err) || cameAfterResponse(err) || !isIdempotent(request) || request.getSignal()?.aborted) throw err;
      return inner.send(request).toPromise();
    }
  };
  return wrapHttpLibrary({
    async send(request: RequestContext): Promise<ResponseContext> {
      return once(request);
    },
  });
}

/** The connection went before any response: reset, or closed ("socket hang up"). */
export function isStaleConnection(err: unknown): boolean {
  const e = err as { code?: string; errno?: string; message?: string } | undefined;
  const code = e?.code ?? e?.errno;
  return code === 'ECONNRESET' || code === 'EPIPE' || /socket hang up/.test(e?.message ?? '');
}

function isIdempotent(request: RequestContext): boolean {
  const method = String(request.getHttpMethod());
  if (method === 'GET' || method === 'HEAD' || method === 'PUT' || method === 'DELETE' || method === 'OPTIONS') return true;
  if (method !== 'PATCH') return false;
  const type = request.getHeaders()['Content-Type'] ?? request.getHeaders()['content-type'] ?? '';
  return /apply-patch|merge-patch/.test(type);
}

/** One keep-alive configuration per kubeconfig (and its current context and server): one connection pool. */
const pools = new WeakMap<KubeConfig, { key: string; configuration: Configuration }>();

/**
 * kc.makeApiClient(Api), with connections kept alive (see keepAliveConfiguration): every client made for
 * the same kubeconfig shares one pool, so a probe every second or a chaos run's deletes reuse connections
 * instead of opening (and leaving open) one per call.
 */
export function apiClient<T>(kc: KubeConfig, api: new (config: Configuration) => T): T {
  const key = `${kc.getCurrentContext()}|${kc.getCurrentCluster()?.server ?? ''}|${kc.getCurrentUser()?.name ?? ''}`;
  let pool = pools.get(kc);
  if (!pool || pool.key !== key) {
    pool = { key, configuration: keepAliveConfiguration(kc) };
    pools.set(kc, pool);
  }
  return new api(pool.configuration);
}

export function is404(err: unknown): boolean {
  return httpStatus(err) === 404;
}
