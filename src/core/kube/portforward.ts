// The one port-forward: a loopback listener whose every connection opens a port-forward stream through
// the API server to a ready pod behind a Service, like `kubectl port-forward svc/NAME`. The pod is looked up
// again after a failed connection, so the tunnel keeps working when pods are replaced (a chaos run kills
// them). Used by Deploy's front-end fallback, the metrics panel (Prometheus) and Grafana.
import * as net from 'node:net';
import { AppsV1Api, CoreV1Api, KubeConfig, PortForward } from '@kubernetes/client-node';
import { describeError, UserError } from '../errors';
import { apiClient, is404 } from './client';
import { clusterProblem } from './errors';

/** A Service as the port-forward needs it. */
export interface ServiceEndpoint {
  namespace: string;
  name: string;
  port: number;
  /** The pod-side port (resolved from a named targetPort when possible). */
  targetPort: number | string;
  selector: Record<string, string>;
  type: string;
  /** LoadBalancer ingress IP or hostname, if any. */
  external?: string;
  /** Forward to this pod only (`kubectl port-forward pod/NAME`), not to whichever pod the selector finds. */
  pinnedPod?: string;
}

export interface Tunnel {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** The pod currently forwarded to. */
  pod(): string | undefined;
  close(): Promise<void>;
}

/** Finds a Running, Ready pod behind a Service and the numeric container port its targetPort names. */
export async function podForService(kc: KubeConfig, ep: ServiceEndpoint): Promise<{ pod: string; port: number }> {
  const core = apiClient(kc, CoreV1Api);
  if (ep.pinnedPod) {
    let p;
    try {
      p = await core.readNamespacedPod({ name: ep.pinnedPod, namespace: ep.namespace });
    } catch (err) {
      if (is404(err)) throw new UserError(`Pod ${ep.namespace}/${ep.pinnedPod} is gone: a forward to a pod ends with it (forward to its Deployment or Service to follow replacements).`, 'NoPod');
      throw clusterProblem(err, kc) ?? err;
    }
    if (p.status?.phase !== 'Running' || p.metadata?.deletionTimestamp) throw new UserError(`Pod ${ep.namespace}/${ep.pinnedPod} is not running (${p.metadata?.deletionTimestamp ? 'terminating' : (p.status?.phase ?? 'unknown')}).`, 'NoPod');
    return { pod: ep.pinnedPod, port: typeof ep.targetPort === 'number' ? ep.targetPort : Number(ep.targetPort) };
  }
  const selector = Object.entries(ep.selector).map(([k, v]) => `${k}=${v}`).join(',');
  if (!selector) throw new UserError(`Service ${ep.namespace}/${ep.name} has no selector to find its pod by.`, 'NoSelector');
  const pods = (await core.listNamespacedPod({ namespace: ep.namespace, labelSelector: selector })).items;
  const running = pods.filter((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
  const ready = running.find((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) ?? running[0];
  if (!ready?.metadata?.name) throw new UserError(`No running pod behind Service ${ep.namespace}/${ep.name}.`, 'NoPod');
  let port = typeof ep.targetPort === 'number' ? ep.targetPort : Number(ep.targetPort);
  if (!Number.isFinite(port)) {
    const named = ready.spec?.containers.flatMap((c) => c.ports ?? []).find((p) => p.name === ep.targetPort);
    port = named?.containerPort ?? ep.port;
  }
  return { pod: ready.metadata.name, port };
}

/**
 * Listens on 127.0.0.1 (port 0 = any free one) and forwards each connection to a pod behind the Service
 * through the apiserver's port-forward. The pod is looked up again after a failed connection, so the
 * tunnel keeps working when the pod is replaced.
 */
export async function openTunnel(kc: KubeConfig, ep: ServiceEndpoint, localPort = 0, log?: (m: string) => void): Promise<Tunnel> {
  const forward = new PortForward(kc, true);
  let target: { pod: string; port: number } | undefined = await podForService(kc, ep);
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    void (async () => {
      try {
        target ??= await podForService(kc, ep);
        const ws = (await forward.portForward(ep.namespace, target.pod, [target.port], socket, null, socket)) as unknown as {
          on(ev: string, cb: (...a: unknown[]) => void): void;
          close(): void;
        };
        ws.on('close', () => socket.end());
        ws.on('error', () => {
          target = undefined;
          socket.destroy();
        });
        socket.on('close', () => ws.close());
      } catch (err) {
        log?.(`port-forward to ${ep.namespace}/${target?.pod ?? ep.name} failed: ${describeError(err)}`);
        target = undefined;
        socket.destroy();
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(localPort, '127.0.0.1', () => resolve());
  });
  const addr = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}`,
    port: addr.port,
    pod: () => target?.pod,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

export interface PortForwardHandle {
  url: string;
  port: number;
  /** The pod connections go to now (the tunnel follows the Service's pods when they are replaced). */
  readonly pod: string;
  close(): Promise<void>;
}

/**
 * `kubectl port-forward svc/NAME`: a loopback port forwarded to the Service's ready pods (`targetPort`, else
 * the Service's own), refused with a specific message when the Service is missing or no pod is ready.
 */
export async function portForwardService(
  kc: KubeConfig,
  namespace: string,
  name: string,
  opts: { targetPort?: number | string; localPort?: number; missing?: string; log?: (m: string) => void } = {},
): Promise<PortForwardHandle> {
  const core = apiClient(kc, CoreV1Api);
  let svc;
  let pods;
  try {
    svc = await core.readNamespacedService({ name, namespace });
    const selector = Object.entries(svc.spec?.selector ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
    if (!selector) throw new UserError(`Service ${namespace}/${name} has no selector to find its pods by.`, 'NoSelector');
    pods = await core.listNamespacedPod({ namespace, labelSelector: selector });
  } catch (err) {
    if (is404(err)) throw new UserError(`There is no ${name} Service in namespace ${namespace}: ${opts.missing ?? 'create it first'}.`, 'NotFound');
    throw clusterProblem(err, kc) ?? err;
  }
  const ready = pods.items.find(
    (p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );
  if (!ready?.metadata?.name) throw new UserError(`No ${name} pod in ${namespace} is ready, so there is nothing to forward to.`, 'NotReady');
  const first = ready.metadata.name;
  const port = svc.spec?.ports?.[0];
  const tunnel = await openTunnel(
    kc,
    {
      namespace,
      name,
      port: port?.port ?? 80,
      targetPort: opts.targetPort ?? port?.targetPort ?? port?.port ?? 80,
      selector: svc.spec?.selector ?? {},
      type: svc.spec?.type ?? 'ClusterIP',
    },
    opts.localPort ?? 0,
    opts.log,
  );
  return {
    url: `${tunnel.url}/`,
    port: tunnel.port,
    get pod() {
      return tunnel.pod() ?? first;
    },
    close: () => tunnel.close(),
  };
}

/** A port a workload offers to forward: the port number and, for the pick list, its name and protocol. */
export interface ForwardPort {
  port: number;
  label: string;
}

export interface ForwardTarget {
  endpoint: ServiceEndpoint;
  /** For a Service, the Service's ports (each maps to its targetPort); for a Deployment or Pod, container ports. */
  ports: ForwardPort[];
  describe: string;
}

/**
 * What a port-forward to a Service, a Deployment (its pods, followed when replaced) or a single Pod needs.
 * `port` picks one of the offered ports (the first when absent).
 */
export async function forwardTarget(kc: KubeConfig, ref: { kind: 'Service' | 'Deployment' | 'Pod'; namespace: string; name: string }, port?: number): Promise<ForwardTarget> {
  const core = apiClient(kc, CoreV1Api);
  try {
    if (ref.kind === 'Service') {
      const svc = await core.readNamespacedService({ name: ref.name, namespace: ref.namespace });
      const ports = (svc.spec?.ports ?? []).map((p) => ({ port: p.port, label: `${p.port}${p.name ? ` (${p.name})` : ''} → ${p.targetPort ?? p.port}`, target: p.targetPort ?? p.port }));
      if (!ports.length) throw new UserError(`Service ${ref.namespace}/${ref.name} has no ports to forward.`, 'NotFound');
      const chosen = ports.find((p) => p.port === port) ?? ports[0];
      return {
        endpoint: { namespace: ref.namespace, name: ref.name, port: chosen.port, targetPort: chosen.target, selector: svc.spec?.selector ?? {}, type: svc.spec?.type ?? 'ClusterIP' },
        ports: ports.map(({ port: p, label }) => ({ port: p, label })),
        describe: `svc/${ref.name}:${chosen.port}`,
      };
    }
    if (ref.kind === 'Deployment') {
      const d = await apiClient(kc, AppsV1Api).readNamespacedDeployment({ name: ref.name, namespace: ref.namespace });
      const ports = (d.spec?.template.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => ({ port: p.containerPort, label: `${p.containerPort}${p.name ? ` (${p.name})` : ''} · ${c.name}` })));
      if (!ports.length) throw new UserError(`Deployment ${ref.namespace}/${ref.name} declares no container port; give one.`, 'NotFound');
      const chosen = ports.find((p) => p.port === port) ?? ports[0];
      return {
        endpoint: { namespace: ref.namespace, name: ref.name, port: chosen.port, targetPort: chosen.port, selector: d.spec?.selector?.matchLabels ?? {}, type: 'Deployment' },
        ports,
        describe: `deployment/${ref.name}:${chosen.port}`,
      };
    }
    const p = await core.readNamespacedPod({ name: ref.name, namespace: ref.namespace });
    const ports = (p.spec?.containers ?? []).flatMap((c) => (c.ports ?? []).map((cp) => ({ port: cp.containerPort, label: `${cp.containerPort}${cp.name ? ` (${cp.name})` : ''} · ${c.name}` })));
    if (!ports.length && port === undefined) throw new UserError(`Pod ${ref.namespace}/${ref.name} declares no container port; give one.`, 'NotFound');
    const chosen = ports.find((x) => x.port === port) ?? (port !== undefined ? { port, label: String(port) } : ports[0]);
    return {
      endpoint: { namespace: ref.namespace, name: ref.name, port: chosen.port, targetPort: chosen.port, selector: p.metadata?.labels ?? {}, type: 'Pod', pinnedPod: ref.name },
      ports,
      describe: `pod/${ref.name}:${chosen.port}`,
    };
  } catch (err) {
    if (err instanceof UserError) throw err;
    if (is404(err)) throw new UserError(`${ref.kind} ${ref.namespace}/${ref.name} does not exist (any more).`, 'NotFound');
    throw clusterProblem(err, kc) ?? err;
  }
}
