// The one Kubernetes client of the extension: client-node API clients over one keep-alive HTTPS agent per
// client configuration. Every feature reaches the cluster through src/core/kube (this file, http.ts for raw
// JSON and proxied GETs, apply.ts, rollout.ts, portforward.ts, actions.ts, watcher.ts).
import { Agent as HttpsAgent, type AgentOptions } from 'node:https';
import {
  createConfiguration,
  KubeConfig,
  ServerConfiguration,
  type Configuration,
  type RequestContext,
  type ResponseContext,
} from '@kubernetes/client-node';
import { httpStatus, UserError } from '../errors';

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

export function is404(err: unknown): boolean {
  return httpStatus(err) === 404;
}
