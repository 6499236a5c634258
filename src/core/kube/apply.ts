// Server-side apply of a set of objects, group by group (each group in parallel), reporting for
// every object whether it was created, configured, left unchanged, or rejected (and why).
//
// The request body is the object exactly as written (JSON), not client-node's typed re-serialisation,
// which would silently drop fields the model does not know (a typo like `replica:` must reach the
// server and be reported, not vanish).
import type { Agent } from 'node:http';
import { KubeConfig, KubernetesObjectApi, PatchStrategy, type Configuration, type KubernetesObject, type RequestContext } from '@kubernetes/client-node';
import { CancelledError, httpStatus, isCancellation } from '../errors';
import { keepAliveConfiguration } from './client';
import { clusterProblem, objectErrorMessage } from './errors';

export const FIELD_MANAGER = 'sock-shop-lab';

export interface ApplyObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export type ApplyStatus = 'created' | 'configured' | 'unchanged' | 'failed' | 'skipped';

export interface ApplyOutcome {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
  status: ApplyStatus;
  /** The server's message for a failure (or why it was skipped). */
  message?: string;
  httpStatus?: number;
  /** The object as the server returned it (not for failures or dry runs). */
  result?: KubernetesObject;
  /** Caller's tag for the object (e.g. the manifest line it came from). */
  line?: number;
}

export interface ApplyOptions {
  fieldManager?: string;
  /** Take over fields other managers own (kubectl, a previous workshop install). */
  force?: boolean;
  /** Server-side dry run (dryRun=All): validated and defaulted by the server, nothing persisted. */
  dryRun?: boolean;
  /** Namespace for namespaced objects that name none. */
  defaultNamespace?: string;
  signal?: AbortSignal;
  onOutcome?: (o: ApplyOutcome) => void;
  /** Stop after the first group with a failure (later groups are reported as skipped). */
  stopOnGroupFailure?: boolean;
  /**
   * Awaited after discovery and the reads, before the first write (a check run alongside them).
   * Resolving to true means the cluster changed meanwhile (e.g. a namespace finished deleting): read again.
   */
  gate?: Promise<boolean | void>;
}

/** One line per applied object, as the log and messages show it. */
export function outcomeLine(o: ApplyOutcome): string {
  const where = o.line ? ` (line ${o.line})` : '';
  return `${describeObject(o)}${where}: ${o.status}${o.message ? ` — ${o.message}` : ''}`;
}

export function describeObject(o: { kind: string; name?: string; namespace?: string; metadata?: { name?: string; namespace?: string } }): string {
  const name = o.name ?? o.metadata?.name;
  const ns = o.namespace ?? o.metadata?.namespace;
  return `${o.kind} ${ns ? `${ns}/` : ''}${name}`;
}

const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v ?? null, (_k, x) => (x instanceof Date ? x.toISOString() : x)));

/** `actual` cut down to the fields present in `sent` (what an apply of `sent` can have set). */
function project(actual: unknown, sent: unknown): unknown {
  if (Array.isArray(sent)) {
    if (!Array.isArray(actual) || actual.length !== sent.length) return actual;
    return sent.map((s, i) => project(actual[i], s));
  }
  if (sent && typeof sent === 'object') {
    if (!actual || typeof actual !== 'object' || Array.isArray(actual)) return actual;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(sent)) out[k] = project((actual as Record<string, unknown>)[k], (sent as Record<string, unknown>)[k]);
    return out;
  }
  return actual;
}

function ownedFields(obj: KubernetesObject, manager: string): string {
  const entry = obj.metadata?.managedFields?.find((f) => f.manager === manager && f.operation === 'Apply');
  return JSON.stringify(plain(entry?.fieldsV1));
}

/**
 * Whether our apply changed the object. Other actors (controllers writing status, a load-balancer
 * controller adding an annotation) may have changed it between our read and our apply, so the
 * resourceVersion alone is not enough: the fields we sent, and the set of fields we own, decide.
 */
export function changedByApply(before: KubernetesObject, after: KubernetesObject, sent: ApplyObject, manager: string): boolean {
  if (before.metadata?.resourceVersion === after.metadata?.resourceVersion) return false;
  // Items of a list carry no apiVersion/kind; the object's type is not what changes anyway.
  const { apiVersion: _v, kind: _k, ...s } = plain(sent) as Record<string, unknown>;
  if (JSON.stringify(project(plain(before), s)) !== JSON.stringify(project(plain(after), s))) return true;
  return ownedFields(before, manager) !== ownedFields(after, manager);
}

const key = (apiVersion: string, kind: string, namespace: string | undefined, name: string) =>
  `${apiVersion}|${kind}|${namespace ?? ''}|${name}`;

interface Prepared {
  obj: ApplyObject;
  /** Set when the object fails before any request (unknown kind). */
  outcome?: ApplyOutcome;
}

/** Discovery answers per API server, kept for a while the way kubectl keeps its discovery cache. */
const DISCOVERY_TTL_MS = 10 * 60_000;
const discoveryCache = new Map<string, { at: number; cache: Record<string, unknown> }>();

/** KubernetesObjectApi with its discovery lookup (resource name and scope of a kind) made public. */
class ObjectClient extends KubernetesObjectApi {
  lookup(apiVersion: string, kind: string) {
    return this.resource(apiVersion, kind);
  }
  /**
   * Uses the discovery cache shared by every client of this server (a kind not found in it is
   * looked up again, so a CRD installed meanwhile is still found).
   */
  shareDiscovery(server: string): void {
    let entry = discoveryCache.get(server);
    if (!entry || Date.now() - entry.at > DISCOVERY_TTL_MS) {
      entry = { at: Date.now(), cache: {} };
      discoveryCache.set(server, entry);
    }
    this.apiVersionResourceCache = entry.cache as typeof this.apiVersionResourceCache;
  }
  useDefaultNamespaceOf(kc: KubeConfig): void {
    this.setDefaultNamespace(kc);
  }
}

/** Applies objects with server-side apply through one client (discovery cached across calls). */
export class Applier {
  private readonly api: ObjectClient;
  /** Raw request bodies by request path, consumed by the middleware below. */
  private readonly rawBodies = new Map<string, string>();
  private signal: AbortSignal | undefined;
  /**
   * The client configuration every request of this applier goes through (one keep-alive pool):
   * other API clients built on it (`new CoreV1Api(applier.configuration)`) share its connections.
   */
  readonly configuration: Configuration;
  /** The keep-alive agent of that pool, once a request has gone out (for a Watch on the same connections). */
  agent: Agent | undefined;

  constructor(private readonly kc: KubeConfig) {
    const rawBodies = this.rawBodies;
    const self = this;
    const config = keepAliveConfiguration(kc, {
      pre(ctx: RequestContext): void {
        self.agent = (ctx.getAgent() as Agent | undefined) ?? self.agent;
        if (self.signal) ctx.setSignal(self.signal);
        if (ctx.getHttpMethod() === 'PATCH') {
          const raw = rawBodies.get(new URL(ctx.getUrl()).pathname);
          if (raw !== undefined) ctx.setBody(raw);
        }
      },
    });
    this.configuration = config;
    this.api = new ObjectClient(config);
    this.api.useDefaultNamespaceOf(kc);
    this.api.shareDiscovery(`${kc.getCurrentCluster()?.server}|${kc.getCurrentUser()?.name ?? ''}`);
  }

  /**
   * Applies the groups in order, the objects of a group in parallel. Cluster-level failures
   * (unreachable, expired credentials) throw a UserError; per-object failures are outcomes.
   */
  async apply(groups: ApplyObject[][], options: ApplyOptions = {}): Promise<ApplyOutcome[]> {
    this.signal = options.signal;
    // Discovery (scope of each kind) and the current objects first, for all groups at once: one
    // round of lists instead of one per group.
    const prepared: Prepared[][] = [];
    for (const group of groups) prepared.push(await this.prepare(group, options));
    const toApply = prepared.flat().filter((p) => !p.outcome).map((p) => p.obj);
    let before = await this.currentState(toApply, options.signal);
    if ((await options.gate) === true) before = await this.currentState(toApply, options.signal);
    const outcomes: ApplyOutcome[] = [];
    let failed = false;
    for (const group of prepared) {
      if (options.signal?.aborted) throw new CancelledError();
      const results =
        failed && options.stopOnGroupFailure
          ? group.map(({ obj }): ApplyOutcome => {
              const o: ApplyOutcome = {
                apiVersion: obj.apiVersion,
                kind: obj.kind,
                name: obj.metadata.name,
                ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
                status: 'skipped',
                message: 'not applied because an earlier object failed',
              };
              options.onOutcome?.(o);
              return o;
            })
          : await Promise.all(
              group.map(async ({ obj, outcome }) => {
                const result = outcome ?? (await this.applyOne(obj, before, options));
                options.onOutcome?.(result);
                return result;
              }),
            );
      outcomes.push(...results);
      if (results.some((r) => r.status === 'failed')) failed = true;
    }
    return outcomes;
  }

  /**
   * Where each object would go, as apply() resolves it (discovery decides what is cluster-scoped; the
   * namespace is defaulted), without changing anything. Objects of unknown kinds are left out: apply()
   * reports them as failed.
   */
  async plan(objects: ApplyObject[], options: Pick<ApplyOptions, 'defaultNamespace' | 'signal'> = {}): Promise<{ kind: string; name: string; namespace?: string }[]> {
    this.signal = options.signal;
    const prepared = await this.prepare(objects, options);
    return prepared
      .filter((p) => !p.outcome)
      .map(({ obj }) => ({ kind: obj.kind, name: obj.metadata.name, ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}) }));
  }

  /** Resolves each object's scope through discovery (namespace defaulted); unknown kinds fail here. */
  private async prepare(group: ApplyObject[], options: Pick<ApplyOptions, 'defaultNamespace' | 'signal'>): Promise<Prepared[]> {
    const prepared: Prepared[] = [];
    for (const original of group) {
      const obj = structuredClone(original);
      const base = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata?.name };
      let resource;
      try {
        resource = await this.api.lookup(obj.apiVersion, obj.kind);
      } catch (err) {
        const cluster = clusterProblem(err, this.kc);
        if (cluster) throw cluster;
        if (isCancellation(err) || options.signal?.aborted) throw new CancelledError();
        if (httpStatus(err) !== 404) throw err;
        resource = undefined;
      }
      if (!resource) {
        prepared.push({
          obj,
          outcome: {
            ...base,
            ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
            status: 'failed',
            message: unknownKindMessage(obj.apiVersion, obj.kind),
          },
        });
        continue;
      }
      if (resource.namespaced) {
        obj.metadata.namespace ||= options.defaultNamespace || this.defaultNamespace();
      } else if (obj.metadata.namespace) {
        delete obj.metadata.namespace;
      }
      prepared.push({ obj });
    }
    return prepared;
  }

  private defaultNamespace(): string {
    const ctx = this.kc.getContextObject(this.kc.getCurrentContext());
    return ctx?.namespace || 'default';
  }

  /** Lists the current objects, one list per (apiVersion, kind, namespace). */
  private async currentState(objects: ApplyObject[], signal?: AbortSignal): Promise<Map<string, KubernetesObject> | undefined> {
    const groups = new Map<string, { apiVersion: string; kind: string; namespace?: string }>();
    for (const o of objects) groups.set(`${o.apiVersion}|${o.kind}|${o.metadata.namespace ?? ''}`, { apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace });
    const state = new Map<string, KubernetesObject>();
    try {
      await Promise.all(
        [...groups.values()].map(async (g) => {
          const list = await this.api.list(g.apiVersion, g.kind, g.namespace);
          for (const item of list.items) {
            state.set(key(g.apiVersion, g.kind, g.namespace ? item.metadata?.namespace : undefined, item.metadata?.name ?? ''), item);
          }
        }),
      );
    } catch (err) {
      const cluster = clusterProblem(err, this.kc);
      if (cluster) throw cluster;
      if (isCancellation(err) || signal?.aborted) throw new CancelledError();
      // Not allowed to list (RBAC) or a namespace that does not exist yet: apply still tells.
      return undefined;
    }
    return state;
  }

  private async applyOne(obj: ApplyObject, before: Map<string, KubernetesObject> | undefined, options: ApplyOptions): Promise<ApplyOutcome> {
    const ns = obj.metadata.namespace;
    const base = { apiVersion: obj.apiVersion, kind: obj.kind, name: obj.metadata.name, ...(ns ? { namespace: ns } : {}) };
    const path = await this.pathOf(obj);
    this.rawBodies.set(path, JSON.stringify(obj));
    try {
      // Only the path comes from this argument (the middleware sends the body as written), so hand
      // client-node a minimal object and spare it serialising the whole typed model.
      const target = { apiVersion: obj.apiVersion, kind: obj.kind, metadata: { name: obj.metadata.name, ...(ns ? { namespace: ns } : {}) } };
      const result = (await this.api.patch(
        target as KubernetesObject,
        undefined,
        options.dryRun ? 'All' : undefined,
        options.fieldManager ?? FIELD_MANAGER,
        options.force ?? false,
        PatchStrategy.ServerSideApply,
      )) as KubernetesObject;
      const prev = before?.get(key(obj.apiVersion, obj.kind, ns, obj.metadata.name));
      let status: ApplyStatus;
      if (!before) status = 'configured';
      else if (!prev) status = 'created';
      else status = changedByApply(prev, result, obj, options.fieldManager ?? FIELD_MANAGER) ? 'configured' : 'unchanged';
      return { ...base, status, ...(options.dryRun ? {} : { result }) };
    } catch (err) {
      const cluster = clusterProblem(err, this.kc);
      if (cluster) throw cluster;
      if (isCancellation(err) || options.signal?.aborted) throw new CancelledError();
      return { ...base, status: 'failed', message: objectErrorMessage(err), httpStatus: httpStatus(err) };
    } finally {
      this.rawBodies.delete(path);
    }
  }

  /** The request path client-node will PATCH for obj (it lower-cases the path). */
  private async pathOf(obj: ApplyObject): Promise<string> {
    const resource = await this.api.lookup(obj.apiVersion, obj.kind);
    const group = obj.apiVersion.includes('/') ? `/apis/${obj.apiVersion}` : `/api/${obj.apiVersion}`;
    const ns = resource?.namespaced && obj.metadata.namespace ? `/namespaces/${encodeURIComponent(obj.metadata.namespace)}` : '';
    const basePath = new URL(this.kc.getCurrentCluster()!.server).pathname.replace(/\/$/, '');
    return `${basePath}${group}${ns}/${resource?.name}/${encodeURIComponent(obj.metadata.name)}`.toLowerCase();
  }
}

const REMOVED_APIS: Record<string, string> = {
  'extensions/v1beta1|Deployment': 'apps/v1 (extensions/v1beta1 Deployments were removed in Kubernetes 1.16)',
  'apps/v1beta1|Deployment': 'apps/v1 (removed in Kubernetes 1.16)',
  'apps/v1beta2|Deployment': 'apps/v1 (removed in Kubernetes 1.16)',
  'extensions/v1beta1|DaemonSet': 'apps/v1 (removed in Kubernetes 1.16)',
  'extensions/v1beta1|Ingress': 'networking.k8s.io/v1 (removed in Kubernetes 1.22)',
  'policy/v1beta1|PodDisruptionBudget': 'policy/v1 (removed in Kubernetes 1.25)',
  'rbac.authorization.k8s.io/v1beta1|ClusterRoleBinding': 'rbac.authorization.k8s.io/v1 (removed in Kubernetes 1.22)',
  'rbac.authorization.k8s.io/v1beta1|ClusterRole': 'rbac.authorization.k8s.io/v1 (removed in Kubernetes 1.22)',
  'rbac.authorization.k8s.io/v1beta1|RoleBinding': 'rbac.authorization.k8s.io/v1 (removed in Kubernetes 1.22)',
  'rbac.authorization.k8s.io/v1beta1|Role': 'rbac.authorization.k8s.io/v1 (removed in Kubernetes 1.22)',
};

export function unknownKindMessage(apiVersion: string, kind: string): string {
  const replacement = REMOVED_APIS[`${apiVersion}|${kind}`];
  return (
    `The cluster does not serve ${kind} in ${apiVersion}` + (replacement ? `: use ${replacement}.` : ' (check apiVersion and kind).')
  );
}

/** Install order for arbitrary manifests: what others live in or refer to goes first. */
const KIND_ORDER = [
  'Namespace',
  'CustomResourceDefinition',
  'ServiceAccount',
  'ClusterRole',
  'Role',
  'ClusterRoleBinding',
  'RoleBinding',
  'ConfigMap',
  'Secret',
  'PersistentVolumeClaim',
  'Service',
];

/** Splits objects into apply groups: namespaces and CRDs first, then identity/config, then the rest. */
export function groupForApply<T extends { kind: string }>(objects: T[]): T[][] {
  const first = objects.filter((o) => o.kind === 'Namespace' || o.kind === 'CustomResourceDefinition');
  const second = objects.filter((o) => KIND_ORDER.includes(o.kind) && !first.includes(o));
  const rest = objects.filter((o) => !KIND_ORDER.includes(o.kind));
  return [first, second, rest].filter((g) => g.length > 0);
}
