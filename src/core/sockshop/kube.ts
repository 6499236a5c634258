// Small Kubernetes helpers shared by deploy, verify and remove: API clients, and turning the errors
// of an unreachable or unwilling apiserver into messages that say which cluster and what to do.
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import {
  createConfiguration,
  CoreV1Api,
  KubeConfig,
  ServerConfiguration,
  type Configuration,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { httpStatus, kubeStatusMessage, UserError } from '../errors';
import { kubeError } from '../kube/errors';

export function serverOf(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? '(no cluster in the kubeconfig)';
}

export function contextOf(kc: KubeConfig): string {
  return kc.getCurrentContext() || '(no context)';
}

/**
 * A UserError for failures that are about the cluster as a whole (unreachable, credentials),
 * or undefined when err is about one request only.
 */
export function clusterProblem(err: unknown, kc: KubeConfig): UserError | undefined {
  // Unreachable servers, rejected credentials and an API server in trouble read the same wherever they
  // happen (src/core/kube).
  const mapped = kubeError(err, { context: contextOf(kc), server: serverOf(kc) });
  if (mapped instanceof UserError && (mapped.reason === 'Unreachable' || mapped.reason === 'ExpiredCredentials' || mapped.reason === 'ApiServerError')) {
    return mapped;
  }
  const msg = String((err as Error)?.message ?? '');
  if (/self[- ]signed|certificate|CERT_|UNABLE_TO_VERIFY/i.test(msg)) {
    return new UserError(`TLS to ${serverOf(kc)} failed: ${msg}`, 'Tls');
  }
  return undefined;
}

export function rethrowClusterProblem(err: unknown, kc: KubeConfig): never {
  throw clusterProblem(err, kc) ?? err;
}

/** One-line description of an API error for one object. */
export function objectErrorMessage(err: unknown): string {
  const status = httpStatus(err);
  let msg = kubeStatusMessage(err) ?? (err as Error)?.message ?? String(err);
  // Server-side apply reports schema violations (a string where a number goes, an unknown field) as
  // "failed to create typed patch object (ns/name; group/version, Kind=K): .spec.replicas: ...",
  // with HTTP 500; the object is already named by the caller, the field path is what matters.
  msg = msg.replace(/^failed to create typed patch object \([^)]*\): /, 'invalid: ');
  return status ? `${msg} (HTTP ${status})` : msg;
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
  let sharedFrom: AgentOptions | undefined;
  return createConfiguration({
    baseServer: new ServerConfiguration(cluster.server, {}),
    authMethods: { default: kc },
    promiseMiddleware: [
      {
        async pre(ctx: RequestContext): Promise<RequestContext> {
          const agent = ctx.getAgent() as (HttpsAgent & { options?: AgentOptions }) | undefined;
          if (agent instanceof HttpsAgent && agent.options) {
            const o = agent.options;
            const same = sharedFrom && sharedFrom.ca === o.ca && sharedFrom.cert === o.cert && sharedFrom.key === o.key && sharedFrom.rejectUnauthorized === o.rejectUnauthorized && sharedFrom.servername === o.servername;
            if (!shared || !same) {
              shared?.destroy();
              shared = new HttpsAgent({ ...o, keepAlive: true, maxSockets: 32 });
              sharedFrom = o;
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

/** kc.makeApiClient(Api), with connections kept alive (see keepAliveConfiguration). */
export function apiClient<T>(kc: KubeConfig, api: new (config: Configuration) => T): T {
  return new api(keepAliveConfiguration(kc));
}

export function core(kc: KubeConfig): CoreV1Api {
  return apiClient(kc, CoreV1Api);
}

export function is404(err: unknown): boolean {
  return httpStatus(err) === 404;
}

/** "5s", "3m", "2h", "4d" like kubectl's AGE column. */
export function age(since: Date | string | undefined, now = Date.now()): string {
  if (!since) return '<unknown>';
  const t = typeof since === 'string' ? Date.parse(since) : since.getTime();
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 120) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 120) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** Left-aligned columns separated by three spaces, like kubectl's tables. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : (c ?? '').padEnd(widths[i])))
      .join('   ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}
