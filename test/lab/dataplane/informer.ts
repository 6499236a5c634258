// List-then-watch of one kind of object, with a local cache, over the lab's plain-HTTPS KubeRest (no
// client library in the always-on data plane processes). On any watch error or end (apiserver restart,
// expired resourceVersion) it lists again and reports what changed in between, as client-go's
// reflector does.
import type { KubeRest } from '../lb-controller.ts';

export interface KObject {
  metadata: { name: string; namespace?: string; uid: string; resourceVersion?: string; [k: string]: any };
  [k: string]: any;
}

export type Change<T> = { type: 'upsert'; obj: T; old?: T } | { type: 'delete'; obj: T };

export function keyOf(o: KObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

export class Informer<T extends KObject> {
  readonly cache = new Map<string, T>();
  private stopped = false;
  private current?: { abort(): void };
  synced = false;

  private readonly onChange: (c: Change<T>) => void;

  constructor(
    private readonly api: KubeRest,
    private readonly path: string,
    onChange: (c: Change<T>) => void,
    private readonly log: (m: string) => void = () => {},
  ) {
    // A handler's error is about one object: log it and go on with the others (no relist loop).
    this.onChange = (c) => {
      try {
        onChange(c);
      } catch (err) {
        this.log(`${this.path}: ${keyOf(c.obj)}: ${(err as Error).message}`);
      }
    };
  }

  async run(): Promise<void> {
    let lastError = '';
    while (!this.stopped) {
      try {
        const list = await this.api.request<{ metadata: { resourceVersion: string }; items: T[] }>('GET', this.path);
        const seen = new Set<string>();
        for (const o of list.items) {
          const k = keyOf(o);
          seen.add(k);
          const old = this.cache.get(k);
          this.cache.set(k, o);
          if (!old || old.metadata.resourceVersion !== o.metadata.resourceVersion) this.onChange({ type: 'upsert', obj: o, old });
        }
        for (const [k, o] of [...this.cache]) {
          if (!seen.has(k)) {
            this.cache.delete(k);
            this.onChange({ type: 'delete', obj: o });
          }
        }
        this.synced = true;
        if (lastError) this.log(`${this.path}: watching again`);
        lastError = '';
        const sep = this.path.includes('?') ? '&' : '?';
        const w = this.api.stream(`${this.path}${sep}watch=1&allowWatchBookmarks=true&resourceVersion=${list.metadata.resourceVersion}`, (ev: { type: string; object: T }) => {
          if (ev.type === 'ERROR') throw new Error(`watch ${this.path}: ${JSON.stringify(ev.object).slice(0, 200)}`);
          if (ev.type === 'BOOKMARK') return;
          const k = keyOf(ev.object);
          if (ev.type === 'DELETED') {
            this.cache.delete(k);
            this.onChange({ type: 'delete', obj: ev.object });
          } else {
            const old = this.cache.get(k);
            this.cache.set(k, ev.object);
            this.onChange({ type: 'upsert', obj: ev.object, old });
          }
        });
        this.current = w;
        await w.done;
      } catch (err) {
        const msg = (err as Error).message;
        if (msg !== lastError && !this.stopped) this.log(`${this.path}: ${msg}`);
        lastError = msg;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  }

  stop(): void {
    this.stopped = true;
    this.current?.abort();
  }
}
