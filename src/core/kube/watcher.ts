// Live copies of namespaces, deployments, pods, services and nodes, kept by client-node informers
// (list + watch). Restarts with a fresh list after any error (lost connection, API server restart,
// expired credentials fixed later), re-lists on 410 Gone (client-node does that itself), and
// coalesces object events into one 'change' per interval so thousands of pod updates don't
// become thousands of tree refreshes.
import { EventEmitter } from 'node:events';
import { ListWatch, Watch, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { isCancellation, UserError } from '../errors';
import { kubeError } from './errors';
import { listAll } from './http';
import type { KDeployment, KNamespace, KNode, KPod, KService, WorkloadSnapshot } from './model';

/** The dirty key of node changes (no namespace is called this: names are DNS labels). */
export const NODES_KEY = '!nodes';

export type ResourceName = 'namespaces' | 'deployments' | 'pods' | 'services' | 'nodes';

interface ResourceSpec {
  name: ResourceName;
  /** Path for all namespaces; namespaced path is built from group + resource. */
  group: string; // '/api/v1' or '/apis/apps/v1'
  resource: string;
  clusterScoped?: boolean;
}

const RESOURCES: ResourceSpec[] = [
  { name: 'namespaces', group: '/api/v1', resource: 'namespaces', clusterScoped: true },
  { name: 'deployments', group: '/apis/apps/v1', resource: 'deployments' },
  { name: 'pods', group: '/api/v1', resource: 'pods' },
  { name: 'services', group: '/api/v1', resource: 'services' },
  { name: 'nodes', group: '/api/v1', resource: 'nodes', clusterScoped: true },
];

export interface WatcherOptions {
  /** Watch only this namespace (its objects and the namespace itself), or every namespace when undefined. */
  namespace?: string;
  /** How long to gather events before emitting one 'change' (ms). */
  coalesceMs?: number;
  /** First retry delay after an error; doubles up to maxBackoffMs. */
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  log?: (level: 'info' | 'warn', message: string) => void;
}

/** What a coalesced 'change' covers: the namespaces whose objects changed, or undefined for everything. */
export interface WatcherChange {
  namespaces: string[] | undefined;
}

export interface WatcherState {
  /** Every informer has listed once since start. */
  synced: boolean;
  /** The last error (mapped to a UserError where specific), cleared when all informers are healthy again. */
  error: unknown;
}

/** Drops what the tree never reads and what makes big lists heavy (managedFields, last-applied). */
export function slim<T extends KubernetesObject>(obj: T): T {
  const md = obj?.metadata as { managedFields?: unknown; annotations?: Record<string, string> } | undefined;
  if (md) {
    if (md.managedFields) delete md.managedFields;
    if (md.annotations?.['kubectl.kubernetes.io/last-applied-configuration']) {
      const { ['kubectl.kubernetes.io/last-applied-configuration']: _drop, ...rest } = md.annotations;
      md.annotations = rest;
    }
  }
  return obj;
}

/** A client-node Watch whose objects are slimmed before they reach the informer's cache. */
class SlimWatch extends Watch {
  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: any, watchObj?: any) => void,
    done: (err: any) => void,
  ): Promise<AbortController> {
    return super.watch(path, queryParams, (phase, obj, raw) => callback(phase, phase === 'ERROR' ? obj : slim(obj), raw), done);
  }
}

interface Slot {
  spec: ResourceSpec;
  informer: ListWatch<KubernetesObject>;
  synced: boolean;
  error: unknown;
  failures: number;
  retry?: NodeJS.Timeout;
  /** Bumped on each (re)start so late callbacks from an older run are ignored. */
  run: number;
  /** Listing it is not allowed (a cluster-scoped kind under namespace-scoped RBAC). */
  forbidden?: boolean;
}

/**
 * Emits 'change' (coalesced) when objects change or the state (synced/error) changes,
 * and 'event' (not coalesced, with the time it arrived) for latency measurements.
 */
export class WorkloadWatcher extends EventEmitter {
  private readonly slots: Slot[] = [];
  private stopped = false;
  private pending: NodeJS.Timeout | undefined;
  private readonly coalesceMs: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  /** Total object events seen; for tests and benchmarks. */
  eventCount = 0;
  /** Namespaces whose objects changed since the last 'change'. */
  private readonly dirty = new Set<string>();
  /** Namespaces came or went, or the connection state changed: everything may look different. */
  private structural = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly opts: WatcherOptions = {},
  ) {
    super();
    this.coalesceMs = opts.coalesceMs ?? 75;
    this.initialBackoffMs = opts.initialBackoffMs ?? 250;
    this.maxBackoffMs = opts.maxBackoffMs ?? 2000;
    for (const spec of RESOURCES) this.slots.push(this.makeSlot(spec));
  }

  get namespace(): string | undefined {
    return this.opts.namespace;
  }

  private path(spec: ResourceSpec): string {
    const ns = this.opts.namespace;
    if (spec.clusterScoped || !ns) return `${spec.group}/${spec.resource}`;
    return `${spec.group}/namespaces/${encodeURIComponent(ns)}/${spec.resource}`;
  }

  private makeSlot(spec: ResourceSpec): Slot {
    const path = this.path(spec);
    // When one namespace is watched, the namespaces informer watches just that one.
    const fieldSelector = spec.name === 'namespaces' && this.opts.namespace ? `metadata.name=${this.opts.namespace}` : undefined;
    const listFn = async () => {
      const list = await listAll<KubernetesObject>(this.kc, path, { slim, fieldSelector });
      return list as unknown as { items: KubernetesObject[]; metadata?: { resourceVersion?: string } } as any;
    };
    const informer = new ListWatch<KubernetesObject>(path, new SlimWatch(this.kc), listFn, false, undefined, fieldSelector);
    const slot: Slot = { spec, informer, synced: false, error: undefined, failures: 0, run: 0 };
    const onObject = (obj: KubernetesObject) => {
      this.eventCount++;
      // A namespace added or gone changes the tree's shape; a node's status only its row.
      if (spec.name === 'namespaces') this.structural = true;
      else this.dirty.add(spec.name === 'nodes' ? NODES_KEY : (obj?.metadata?.namespace ?? ''));
      this.emit('event', spec.name, performance.now());
      this.schedule();
    };
    informer.on('add', onObject);
    informer.on('update', onObject);
    informer.on('delete', onObject);
    informer.on('error', (err: unknown) => this.onError(slot, err));
    return slot;
  }

  /** Starts all informers; resolves when each has listed once or failed once. */
  async start(): Promise<void> {
    this.stopped = false;
    await Promise.all(this.slots.map((s) => this.startSlot(s)));
    this.schedule(true);
  }

  private async startSlot(slot: Slot): Promise<void> {
    if (this.stopped) return;
    const run = ++slot.run;
    const errorsBefore = slot.failures;
    // Always begin with a fresh list: after a lost connection the objects may have changed in ways
    // the watch history no longer holds. (client-node's ListWatch resumes from its last
    // resourceVersion when restarted; clearing it makes start() list again and emit deletes for
    // objects that vanished meanwhile.)
    (slot.informer as unknown as { resourceVersion: string }).resourceVersion = '';
    try {
      await slot.informer.start();
    } catch (err) {
      // The list and watch report through 'error'; anything thrown here is the same kind of failure.
      this.onError(slot, err);
      return;
    }
    if (run !== slot.run || this.stopped) return;
    if (slot.failures === errorsBefore) {
      const wasBad = !slot.synced || slot.error !== undefined;
      if (slot.error !== undefined) this.opts.log?.('info', `kubernetes: ${slot.spec.name} watch re-established`);
      slot.synced = true;
      slot.error = undefined;
      slot.failures = 0;
      if (wasBad) this.schedule(true);
    }
  }

  private onError(slot: Slot, err: unknown): void {
    // Aborting a live watch (stop) makes client-node report the abort as an error; that is not a failure.
    if (this.stopped || isCancellation(err)) return;
    slot.failures++;
    const mapped = kubeError(err, {
      context: this.kc.getCurrentContext(),
      server: this.kc.getCurrentCluster()?.server,
      user: this.kc.getCurrentUser()?.name,
      action: `watch ${slot.spec.name}`,
    });
    const reason = mapped instanceof UserError ? mapped.reason : undefined;
    if (slot.spec.clusterScoped && reason === 'Forbidden') {
      // Users with namespace-scoped RBAC cannot list namespaces or nodes; the tree can do without them
      // (a namespace shows when its objects do; the Nodes group is left out), so this is not an error worth showing.
      this.opts.log?.('info', slot.spec.name === 'nodes' ? 'kubernetes: not allowed to list nodes; the tree shows no Nodes group' : 'kubernetes: not allowed to list namespaces; showing namespaces that have objects');
      slot.forbidden = true;
      slot.synced = true;
      slot.error = undefined;
      this.schedule(true);
      return;
    }
    const first = slot.error === undefined;
    slot.error = mapped;
    if (first) this.opts.log?.('warn', `kubernetes: ${slot.spec.name}: ${(mapped as Error)?.message ?? mapped}; retrying`);
    this.schedule(first);
    clearTimeout(slot.retry);
    // Credentials and permissions do not fix themselves quickly (a new kubeconfig restarts the
    // watcher anyway): retry those slowly, connection problems fast.
    const cap = reason === 'ExpiredCredentials' || reason === 'Forbidden' ? 30_000 : this.maxBackoffMs;
    const delay = Math.min(cap, this.initialBackoffMs * 2 ** Math.min(slot.failures - 1, 10));
    const jittered = delay * (0.8 + Math.random() * 0.4);
    slot.retry = setTimeout(() => {
      slot.retry = undefined;
      void slot.informer.stop().then(() => this.startSlot(slot));
    }, jittered);
  }

  private schedule(structural = false): void {
    if (structural) this.structural = true;
    if (this.stopped || this.pending) return;
    this.pending = setTimeout(() => {
      this.pending = undefined;
      const change: WatcherChange = { namespaces: this.structural ? undefined : [...this.dirty] };
      this.dirty.clear();
      this.structural = false;
      this.emit('change', change);
    }, this.coalesceMs);
  }

  state(): WatcherState {
    const error = this.slots.find((s) => s.error !== undefined)?.error;
    return { synced: this.slots.every((s) => s.synced), error };
  }

  snapshot(): WorkloadSnapshot {
    const list = (name: ResourceName) => this.slots.find((s) => s.spec.name === name)!.informer.list() as unknown[];
    return {
      namespaces: list('namespaces') as KNamespace[],
      deployments: list('deployments') as KDeployment[],
      pods: list('pods') as KPod[],
      services: list('services') as KService[],
      nodes: this.slots.find((s) => s.spec.name === 'nodes')!.forbidden ? undefined : (list('nodes') as KNode[]),
    };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.pending);
    this.pending = undefined;
    for (const s of this.slots) {
      clearTimeout(s.retry);
      s.run++;
    }
    await Promise.all(this.slots.map((s) => s.informer.stop()));
    this.removeAllListeners();
  }
}
