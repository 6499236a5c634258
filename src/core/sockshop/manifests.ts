// Sock Shop's Kubernetes objects, built from the manifest files in manifests/sock-shop/ plus a
// profile and options. The files are the source (readable, kubectl-appliable with -n); this module
// only sets the namespace, replica counts, the front-end Service type and adds PodDisruptionBudgets.
import { join } from 'node:path';
import { UserError } from '../errors';

import { loadManifestFiles, type KubeObject } from '../kube/objects';

export type Profile = 'default' | 'chaos-ready';
export const PROFILES: { id: Profile; label: string; detail: string }[] = [
  { id: 'default', label: 'default', detail: 'Close to the original Sock Shop: one replica per service, four front-ends.' },
  {
    id: 'chaos-ready',
    label: 'chaos-ready',
    detail:
      'Stateless services run at least 2 replicas with PodDisruptionBudgets, and the front-end waits 5 s in preStop, so pod kills need not fail requests.',
  },
];

export type FrontEndServiceType = 'LoadBalancer' | 'NodePort';

export interface SockShopOptions {
  namespace: string;
  profile: Profile;
  /** LoadBalancer (DigitalOcean creates a load balancer) or NodePort (port 30001 as in the original). */
  frontEndServiceType?: FrontEndServiceType;
  /** Default 4, as in the workshop. */
  frontEndReplicas?: number;
  /** Directory holding the manifest files (default: <repo>/manifests/sock-shop). */
  manifestDir?: string;
}

export const PART_OF = 'sock-shop';
export const MANAGED_BY = 'sock-shop-lab';
export const FRONT_END = 'front-end';
export const FRONT_END_NODE_PORT = 30001;
export const FRONT_END_CONTAINER_PORT = 8079;

/** Components that keep state (or are the one queue): never scaled out by a profile. */
const STATEFUL_COMPONENTS = new Set(['database', 'cache', 'message-queue']);

// KubeObject and loadManifestFiles are shared by every feature that applies manifests: src/core/kube/objects.ts.
export { loadManifestFiles, type KubeObject };

/**
 * Default location of the files for tests and scripts, which run from the repository root. The
 * extension passes its own (under its install directory).
 */
export function defaultManifestDir(kind: 'sock-shop' | 'kube-monkey' = 'sock-shop'): string {
  return join(process.cwd(), 'manifests', kind);
}


const clone = <T>(v: T): T => structuredClone(v);

export function isStateless(deployment: KubeObject): boolean {
  return !STATEFUL_COMPONENTS.has(deployment.metadata.labels?.['app.kubernetes.io/component'] ?? '');
}

function standardLabels(name: string, component: string | undefined): Record<string, string> {
  return {
    name,
    'app.kubernetes.io/name': name,
    'app.kubernetes.io/part-of': PART_OF,
    ...(component ? { 'app.kubernetes.io/component': component } : {}),
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

export function namespaceObject(namespace: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      name: namespace,
      labels: { 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/managed-by': MANAGED_BY },
    },
  };
}

/**
 * The objects to apply for Sock Shop (without the Namespace): 14 Deployments and their Services,
 * plus PodDisruptionBudgets in the chaos-ready profile.
 */
export function buildSockShop(options: SockShopOptions): KubeObject[] {
  const dir = options.manifestDir ?? defaultManifestDir();
  const ns = options.namespace;
  validateNamespaceName(ns);
  const frontEndReplicas = options.frontEndReplicas ?? 4;
  const serviceType = options.frontEndServiceType ?? 'LoadBalancer';
  const out: KubeObject[] = [];
  const pdbs: KubeObject[] = [];
  for (const original of loadManifestFiles(dir)) {
    const obj = clone(original);
    obj.metadata.namespace = ns;
    const component = obj.metadata.labels?.['app.kubernetes.io/component'];
    obj.metadata.labels = { ...standardLabels(obj.metadata.name, component), ...obj.metadata.labels };
    if (obj.kind === 'Deployment') {
      const spec = obj.spec as DeploymentSpec;
      spec.template.metadata ??= {};
      spec.template.metadata.labels = { ...standardLabels(obj.metadata.name, component), ...spec.template.metadata.labels };
      if (obj.metadata.name === FRONT_END) spec.replicas = frontEndReplicas;
      if (options.profile === 'chaos-ready' && isStateless(obj)) {
        spec.replicas = Math.max(2, spec.replicas ?? 1);
        pdbs.push(podDisruptionBudget(obj));
      }
      if (options.profile === 'chaos-ready' && obj.metadata.name === FRONT_END) addPreStop(spec);
    }
    if (obj.kind === 'Service' && obj.metadata.name === FRONT_END) {
      const spec = obj.spec as { type?: string; ports: { port: number; nodePort?: number }[] };
      spec.type = serviceType;
      for (const p of spec.ports) {
        if (serviceType === 'NodePort' && p.port === 80) p.nodePort = FRONT_END_NODE_PORT;
        else delete p.nodePort;
      }
    }
    out.push(obj);
  }
  return [...out, ...pdbs];
}

interface DeploymentSpec {
  replicas?: number;
  selector: { matchLabels: Record<string, string> };
  template: { metadata?: { labels?: Record<string, string> }; spec: unknown };
}

/** Seconds a chaos-ready front-end keeps serving after its pod is deleted, while load balancers stop sending to it. */
export const FRONT_END_PRESTOP_SECONDS = 5;

/**
 * A preStop sleep for every container that has no preStop hook: the pod keeps serving while its endpoint is
 * removed from kube-proxy and the load balancer (about a second), and only then gets SIGTERM.
 */
function addPreStop(spec: DeploymentSpec): void {
  const pod = spec.template.spec as { containers?: { lifecycle?: { preStop?: unknown } }[] };
  for (const c of pod.containers ?? []) {
    c.lifecycle ??= {};
    c.lifecycle.preStop ??= { exec: { command: ['sh', '-c', `sleep ${FRONT_END_PRESTOP_SECONDS}`] } };
  }
}

/** A PDB that lets at most one pod of the Deployment be evicted at a time. */
export function podDisruptionBudget(deployment: KubeObject): KubeObject {
  const spec = deployment.spec as DeploymentSpec;
  return {
    apiVersion: 'policy/v1',
    kind: 'PodDisruptionBudget',
    metadata: {
      name: deployment.metadata.name,
      namespace: deployment.metadata.namespace,
      labels: { ...deployment.metadata.labels },
    },
    spec: {
      maxUnavailable: 1,
      selector: { matchLabels: { ...spec.selector.matchLabels } },
    },
  };
}

export const PROTECTED_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'default']);

export function validateNamespaceName(ns: string): void {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(ns) || ns.length > 63) {
    throw new UserError(
      `"${ns}" is not a valid namespace name: lower-case letters, digits and "-", starting and ending with a letter or digit, at most 63 characters.`,
      'InvalidNamespace',
    );
  }
}
