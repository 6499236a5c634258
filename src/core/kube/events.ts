// A namespace's Events, live: listed once, then followed by a watch (client-node's informer, which re-lists
// after a dropped watch), newest first, Warning ones marked — what `kubectl get events -w` and k9s `:events`
// show. A pod kill shows up as the ReplicaSet's SuccessfulCreate of its replacement, the scheduler's Scheduled,
// and on real nodes the kubelet's Killing.
import { CoreV1Api, makeInformer, type CoreV1Event, type Informer, type KubeConfig } from '@kubernetes/client-node';
import { apiClient } from './client';
import { clusterProblem } from './errors';

export interface EventRow {
  uid: string;
  namespace: string;
  type: string;
  warning: boolean;
  reason: string;
  /** "Pod/front-end-5d8f7-abcde". */
  object: string;
  objectKind: string;
  objectName: string;
  message: string;
  count: number;
  /** When it was last seen (epoch ms). */
  time: number;
  /** Who reported it ("replicaset-controller", "default-scheduler", "kubelet"). */
  source: string;
}

const ms = (d: Date | string | undefined): number | undefined => {
  if (!d) return undefined;
  const t = typeof d === 'string' ? Date.parse(d) : d.getTime();
  return Number.isNaN(t) ? undefined : t;
};

export function eventRow(e: CoreV1Event): EventRow {
  const kind = e.involvedObject?.kind ?? '';
  const name = e.involvedObject?.name ?? '';
  const time = ms(e.series?.lastObservedTime as Date | string | undefined) ?? ms(e.lastTimestamp as Date | string | undefined) ?? ms(e.eventTime as Date | string | undefined) ?? ms(e.firstTimestamp as Date | string | undefined) ?? ms(e.metadata?.creationTimestamp as Date | string | undefined) ?? 0;
  return {
    uid: e.metadata?.uid ?? `${e.metadata?.namespace}/${e.metadata?.name}`,
    namespace: e.metadata?.namespace ?? e.involvedObject?.namespace ?? '',
    type: e.type ?? 'Normal',
    warning: e.type === 'Warning',
    reason: e.reason ?? '',
    object: `${kind}/${name}`,
    objectKind: kind,
    objectName: name,
    message: (e.message ?? '').trim(),
    count: e.series?.count ?? e.count ?? 1,
    time,
    source: e.reportingComponent || e.source?.component || '',
  };
}

/** Newest first; only warnings when asked; at most `limit`. */
export function sortEvents(rows: Iterable<EventRow>, opts: { warningsOnly?: boolean; limit?: number; objectName?: string } = {}): EventRow[] {
  let list = [...rows];
  if (opts.warningsOnly) list = list.filter((r) => r.warning);
  if (opts.objectName) list = list.filter((r) => r.objectName === opts.objectName);
  list.sort((a, b) => b.time - a.time || a.object.localeCompare(b.object));
  return opts.limit !== undefined ? list.slice(0, opts.limit) : list;
}

/** The events of one namespace, once (for Describe and reports). */
export async function listEvents(kc: KubeConfig, namespace: string, opts: { objectName?: string; limit?: number } = {}): Promise<EventRow[]> {
  try {
    const list = await apiClient(kc, CoreV1Api).listNamespacedEvent({ namespace, ...(opts.objectName ? { fieldSelector: `involvedObject.name=${opts.objectName}` } : {}) });
    return sortEvents(list.items.map(eventRow), { limit: opts.limit });
  } catch (err) {
    throw clusterProblem(err, kc) ?? err;
  }
}

/**
 * Follows a namespace's events: `onChange` gets the rows (newest first) after the first list and after
 * every change, debounced to `debounceMs`. `onError` gets a watch failure (the informer retries by itself).
 */
export class EventFeed {
  private informer: Informer<CoreV1Event> | undefined;
  private readonly rows = new Map<string, EventRow>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly kc: KubeConfig,
    readonly namespace: string,
    private readonly onChange: (rows: EventRow[]) => void,
    private readonly opts: { onError?: (err: unknown) => void; debounceMs?: number; max?: number } = {},
  ) {}

  async start(): Promise<void> {
    const core = apiClient(this.kc, CoreV1Api);
    const informer = makeInformer<CoreV1Event>(this.kc, `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/events`, () => core.listNamespacedEvent({ namespace: this.namespace }));
    this.informer = informer;
    const put = (e: CoreV1Event) => {
      const r = eventRow(e);
      this.rows.set(r.uid, r);
      this.changed();
    };
    informer.on('add', put);
    informer.on('update', put);
    informer.on('delete', (e: CoreV1Event) => {
      this.rows.delete(eventRow(e).uid);
      this.changed();
    });
    informer.on('error', (err: unknown) => {
      this.opts.onError?.(clusterProblem(err, this.kc) ?? err);
      // The informer stops on an error; start it again after a pause unless stopped.
      setTimeout(() => {
        if (!this.stopped) informer.start().catch((e: unknown) => this.opts.onError?.(clusterProblem(e, this.kc) ?? e));
      }, 2000).unref?.();
    });
    await informer.start();
    this.flush();
  }

  /** The rows now, newest first. */
  current(opts: { warningsOnly?: boolean; limit?: number } = {}): EventRow[] {
    return sortEvents(this.rows.values(), opts);
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    void this.informer?.stop();
  }

  private changed(): void {
    if (this.timer || this.stopped) return;
    this.timer = setTimeout(() => this.flush(), this.opts.debounceMs ?? 100);
  }

  private flush(): void {
    this.timer = undefined;
    if (this.stopped) return;
    const max = this.opts.max ?? 1000;
    if (this.rows.size > max) {
      for (const r of sortEvents(this.rows.values()).slice(max)) this.rows.delete(r.uid);
    }
    this.onChange(this.current());
  }
}
