// DigitalOcean API client for what the extension needs: account, Kubernetes options, clusters, node
// pools, kubeconfig and credentials, load balancers (all through dots-wrapper), plus the calls
// dots-wrapper lacks (1-click install, destroy with associated resources) on its own HTTP client.
// Every call runs under the retry policy of retry.ts; every failure is a DoApiError (a UserError).
import { CancelledError, UserError } from '../errors';
import { DoApiError, DoHttp, type HttpOptions } from './http';
import type { ClusterRequest, KubeOptions } from './validate';

export interface DoNode {
  id?: string;
  name?: string;
  status?: { state?: string };
}

export interface DoNodePool {
  id?: string;
  name: string;
  size: string;
  count: number;
  nodes?: DoNode[];
  tags?: string[];
}

export interface DoCluster {
  id: string;
  name: string;
  region: string;
  version: string;
  status?: { state?: string; message?: string };
  node_pools: DoNodePool[];
  tags?: string[];
  endpoint?: string;
  created_at?: string;
  updated_at?: string;
}

export interface DoLoadBalancer {
  id: string;
  name: string;
  ip?: string;
  status?: string;
  tag?: string;
  tags?: string[];
  size_unit?: number;
  size?: string;
  region?: { slug?: string } | string;
  droplet_ids?: number[];
  created_at?: string;
}

export interface AssociatedResource {
  id: string;
  name: string;
}

export interface AssociatedResources {
  load_balancers: AssociatedResource[];
  volumes: AssociatedResource[];
  volume_snapshots: AssociatedResource[];
}

export interface DoCredentials {
  server?: string;
  certificate_authority_data?: string;
  token?: string;
  expires_at?: string;
}

export interface DoAccount {
  email?: string;
  uuid?: string;
  status?: string;
  team?: { name?: string };
}

const PAGE_SIZE = 200;
const MAX_PAGES = 50;

/** The tag DigitalOcean puts on everything of a DOKS cluster. */
export function clusterTag(clusterId: string): string {
  return `k8s:${clusterId}`;
}

export function belongsToCluster(lb: DoLoadBalancer, clusterId: string): boolean {
  const tag = clusterTag(clusterId);
  return lb.tag === tag || (lb.tags ?? []).includes(tag);
}

export class DoClient {
  readonly http: DoHttp;

  constructor(opts: HttpOptions) {
    this.http = new DoHttp(opts);
  }

  get endpoint(): string {
    return this.http.endpoint;
  }

  get log() {
    return this.http.logger;
  }

  async account(signal?: AbortSignal): Promise<DoAccount> {
    const res = await this.http.call({ what: 'check the account', method: 'GET', signal }, () => this.http.dots.account.getAccount());
    return (res.data as { account?: DoAccount }).account ?? {};
  }

  async options(signal?: AbortSignal): Promise<KubeOptions> {
    const res = await this.http.call({ what: 'list Kubernetes options', method: 'GET', signal }, () =>
      this.http.dots.kubernetes.listAvailableOptionsOfKubernetes(),
    );
    const o = (res.data as { options?: Partial<KubeOptions> }).options ?? {};
    return { regions: o.regions ?? [], versions: o.versions ?? [], sizes: o.sizes ?? [] };
  }

  /**
   * Monthly price per size slug: from GET /v2/sizes, plus any `price_monthly` the options carry.
   * A failure of /v2/sizes leaves only the latter (the cost then shows as unknown for the rest).
   */
  async sizePrices(options?: KubeOptions, signal?: AbortSignal): Promise<Map<string, number>> {
    const prices = new Map<string, number>();
    for (const s of options?.sizes ?? []) if (typeof s.price_monthly === 'number') prices.set(s.slug, s.price_monthly);
    try {
      for (let page = 1; page <= MAX_PAGES; page++) {
        const res = await this.http.call({ what: 'list sizes', method: 'GET', signal }, () =>
          this.http.dots.size.listSizes({ page, per_page: PAGE_SIZE }),
        );
        const data = res.data as { sizes?: { slug: string; price_monthly?: number }[]; links?: { pages?: { next?: string } } };
        for (const s of data.sizes ?? []) if (typeof s.price_monthly === 'number') prices.set(s.slug, s.price_monthly);
        if (!data.links?.pages?.next || (data.sizes?.length ?? 0) < PAGE_SIZE) break;
      }
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      if (err instanceof DoApiError && err.reason === 'Unauthorized') throw err;
      this.log.warn(`sizes unavailable, cost estimates may be incomplete: ${(err as Error).message}`);
    }
    return prices;
  }

  async listClusters(signal?: AbortSignal): Promise<DoCluster[]> {
    const all: DoCluster[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await this.http.call({ what: 'list Kubernetes clusters', method: 'GET', signal }, () =>
        this.http.dots.kubernetes.listKubernetesClusters({ page, per_page: PAGE_SIZE }),
      );
      const data = res.data as { kubernetes_clusters?: DoCluster[]; links?: { pages?: { next?: string } } };
      const items = data.kubernetes_clusters ?? [];
      all.push(...items);
      if (!data.links?.pages?.next || items.length < PAGE_SIZE) break;
    }
    return all;
  }

  /** The cluster, or undefined if DigitalOcean says it does not exist (404). */
  async getCluster(id: string, signal?: AbortSignal): Promise<DoCluster | undefined> {
    const res = await this.http.call({ what: `get cluster ${id}`, method: 'GET', signal, acceptStatus: [404] }, () =>
      this.http.dots.kubernetes.getKubernetesCluster({ kubernetes_cluster_id: id }),
    );
    if (res.status === 404) return undefined;
    return (res.data as { kubernetes_cluster?: DoCluster }).kubernetes_cluster;
  }

  async findClusterByName(name: string, signal?: AbortSignal): Promise<DoCluster | undefined> {
    return (await this.listClusters(signal)).find((c) => c.name === name);
  }

  /**
   * POST /v2/kubernetes/clusters once. Never re-sent on a 5xx or a dropped connection (only after a
   * 429, which DigitalOcean answers before doing anything): the flow looks the name up instead.
   */
  async createClusterOnce(req: ClusterRequest, signal?: AbortSignal): Promise<DoCluster> {
    const res = await this.http.call({ what: `create cluster "${req.name}"`, method: 'POST', signal }, () =>
      this.http.dots.kubernetes.createKubernetesCluster({
        name: req.name,
        region: req.region,
        version: req.version,
        tags: req.tags,
        node_pools: [{ name: `${req.name}-default-pool`.slice(0, 63), size: req.size, count: req.count }],
      } as Parameters<typeof this.http.dots.kubernetes.createKubernetesCluster>[0]),
    );
    const cluster = (res.data as { kubernetes_cluster?: DoCluster }).kubernetes_cluster;
    if (!cluster?.id) throw new DoApiError(`DigitalOcean accepted the create request for "${req.name}" but returned no cluster.`, 'BadResponse', res.status);
    return cluster;
  }

  async listNodePools(clusterId: string, signal?: AbortSignal): Promise<DoNodePool[]> {
    const res = await this.http.call({ what: `list node pools of cluster ${clusterId}`, method: 'GET', signal }, () =>
      this.http.dots.kubernetes.listNodePools({ kubernetes_cluster_id: clusterId, per_page: PAGE_SIZE }),
    );
    return (res.data as { node_pools?: DoNodePool[] }).node_pools ?? [];
  }

  /** The cluster's kubeconfig (YAML text); expirySeconds sets how long its token lasts (DO default 7 days). */
  async kubeconfig(clusterId: string, expirySeconds?: number, signal?: AbortSignal): Promise<string> {
    const res = await this.http.call({ what: `get the kubeconfig of cluster ${clusterId}`, method: 'GET', signal }, () =>
      this.http.dots.kubernetes.getKubernetesClusterKubeconfig({
        kubernetes_cluster_id: clusterId,
        expiration_in_seconds: expirySeconds,
      } as Parameters<typeof this.http.dots.kubernetes.getKubernetesClusterKubeconfig>[0]),
    );
    const data = res.data as unknown;
    if (typeof data === 'string') return data;
    // A YAML document that happens to be valid JSON was parsed by axios: serialise it back.
    if (data && typeof data === 'object') return JSON.stringify(data);
    throw new DoApiError(`DigitalOcean returned an empty kubeconfig for cluster ${clusterId}.`, 'BadResponse', res.status);
  }

  async credentials(clusterId: string, expirySeconds?: number, signal?: AbortSignal): Promise<DoCredentials> {
    const res = await this.http.call({ what: `get credentials of cluster ${clusterId}`, method: 'GET', signal }, () =>
      this.http.dots.kubernetes.getKubernetesClusterCredentials({
        kubernetes_cluster_id: clusterId,
        expiration_in_seconds: expirySeconds,
      } as Parameters<typeof this.http.dots.kubernetes.getKubernetesClusterCredentials>[0]),
    );
    return res.data as DoCredentials;
  }

  async listLoadBalancers(signal?: AbortSignal): Promise<DoLoadBalancer[]> {
    const all: DoLoadBalancer[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await this.http.call({ what: 'list load balancers', method: 'GET', signal }, () =>
        this.http.dots.loadBalancer.listLoadBalancers({ page, per_page: PAGE_SIZE }),
      );
      const data = res.data as { load_balancers?: DoLoadBalancer[]; links?: { pages?: { next?: string } } };
      const items = data.load_balancers ?? [];
      all.push(...items);
      if (!data.links?.pages?.next || items.length < PAGE_SIZE) break;
    }
    return all;
  }

  async loadBalancersOf(clusterId: string, signal?: AbortSignal): Promise<DoLoadBalancer[]> {
    return (await this.listLoadBalancers(signal)).filter((lb) => belongsToCluster(lb, clusterId));
  }

  /** Deletes a load balancer; true if it was deleted, false if it did not exist. */
  async deleteLoadBalancer(id: string, signal?: AbortSignal): Promise<boolean> {
    const res = await this.http.call({ what: `delete load balancer ${id}`, method: 'DELETE', signal, acceptStatus: [404] }, () =>
      this.http.dots.loadBalancer.deleteLoadBalancer({ load_balancer_id: id }),
    );
    return res.status !== 404;
  }

  /** POST /v2/1-clicks/kubernetes (not in dots-wrapper). Returns the API's message. */
  async installOneClicks(clusterId: string, slugs: string[], signal?: AbortSignal): Promise<string> {
    const res = await this.http.call({ what: `install ${slugs.join(', ')} on cluster ${clusterId}`, method: 'POST', signal }, () =>
      this.http.axios.post('/1-clicks/kubernetes', { addon_slugs: slugs, cluster_uuid: clusterId }),
    );
    return String((res.data as { message?: unknown })?.message ?? 'install requested');
  }

  /** GET .../destroy_with_associated_resources (not in dots-wrapper); undefined if the cluster is gone. */
  async associatedResources(clusterId: string, signal?: AbortSignal): Promise<AssociatedResources | undefined> {
    const res = await this.http.call(
      { what: `list resources associated with cluster ${clusterId}`, method: 'GET', signal, acceptStatus: [404] },
      () => this.http.axios.get(`/kubernetes/clusters/${encodeURIComponent(clusterId)}/destroy_with_associated_resources`),
    );
    if (res.status === 404) return undefined;
    const d = (res.data ?? {}) as Partial<AssociatedResources>;
    return { load_balancers: d.load_balancers ?? [], volumes: d.volumes ?? [], volume_snapshots: d.volume_snapshots ?? [] };
  }

  /**
   * DELETE .../destroy_with_associated_resources/dangerous (not in dots-wrapper): the cluster with its
   * load balancers, volumes and volume snapshots. 'gone' if it did not exist (404).
   */
  async destroyWithAssociatedResources(clusterId: string, signal?: AbortSignal): Promise<'deleting' | 'gone'> {
    const res = await this.http.call(
      { what: `destroy cluster ${clusterId} with its associated resources`, method: 'DELETE', signal, acceptStatus: [404] },
      () => this.http.axios.delete(`/kubernetes/clusters/${encodeURIComponent(clusterId)}/destroy_with_associated_resources/dangerous`),
    );
    return res.status === 404 ? 'gone' : 'deleting';
  }
}

/** Throws if err is a cancellation; otherwise returns it as a UserError-ish message. */
export function errorText(err: unknown): string {
  if (err instanceof UserError) return err.message;
  return err instanceof Error ? err.message : String(err);
}
