// Remembers the clusters this extension created and where their kubeconfig contexts were saved, so a
// cluster is never lost from view (a failed list still shows it) and destroy/refresh know which file
// and context to edit. The store is VS Code's globalState in the extension, a Map in tests.

export interface KeyValueStore {
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): PromiseLike<void> | void;
}

export class MemoryStore implements KeyValueStore {
  private readonly map = new Map<string, unknown>();
  get<T>(key: string): T | undefined {
    return this.map.get(key) as T | undefined;
  }
  update(key: string, value: unknown): void {
    if (value === undefined) this.map.delete(key);
    else this.map.set(key, structuredClone(value));
  }
}

export interface TrackedCluster {
  id: string;
  name: string;
  region: string;
  /** When we created it (ms since the epoch); absent for clusters we only connected to. */
  createdAt?: number;
  /** Where its context was saved. */
  kubeconfigPath?: string;
  context?: string;
  /** When the saved credentials expire (ISO time). */
  credentialsExpireAt?: string;
  /** A pending operation the UI should show (e.g. "destroying"). */
  pending?: string;
}

const KEY = 'sockShop.digitalocean.clusters';

export class ClusterTracker {
  constructor(private readonly store: KeyValueStore) {}

  all(): TrackedCluster[] {
    return [...(this.store.get<TrackedCluster[]>(KEY) ?? [])];
  }

  get(id: string): TrackedCluster | undefined {
    return this.all().find((c) => c.id === id);
  }

  byName(name: string): TrackedCluster | undefined {
    return this.all().find((c) => c.name === name);
  }

  async upsert(entry: Partial<TrackedCluster> & { id: string }): Promise<TrackedCluster> {
    const list = this.all();
    const i = list.findIndex((c) => c.id === entry.id);
    const merged = { ...(i >= 0 ? list[i] : { name: entry.id, region: '' }), ...entry } as TrackedCluster;
    for (const k of Object.keys(merged) as (keyof TrackedCluster)[]) if (merged[k] === undefined) delete merged[k];
    if (i >= 0) list[i] = merged;
    else list.push(merged);
    await this.store.update(KEY, list);
    return merged;
  }

  async forget(id: string): Promise<void> {
    await this.store.update(KEY, this.all().filter((c) => c.id !== id));
  }
}
