// The lab's DigitalOcean account: Kubernetes clusters, their node pools and load balancers, as a
// state machine over a clock. No HTTP here (server.ts maps routes onto it), so it is unit-tested
// directly. Objects are rendered in the shapes of DigitalOcean's public OpenAPI spec.
import { randomBytes, randomUUID } from 'node:crypto';
import { INSTALLABLE_ONE_CLICKS, KUBE_VERSIONS, ONE_CLICKS_KUBERNETES, REGIONS, SIZES } from './catalog';

/** An error answered with DigitalOcean's error body `{ id, message, request_id }`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly id: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = () =>
  new ApiError(404, 'not_found', 'The resource you were accessing could not be found.');
const invalid = (message: string) => new ApiError(422, 'unprocessable_entity', message);

export interface ModelOptions {
  /** Time a new cluster (and a node pool) stays `provisioning` before `running`. */
  provisionMs: number;
  /** Time a deleted cluster stays `deleting` before it is gone (404). */
  deleteMs: number;
  now?: () => number;
}

/** A Service of type LoadBalancer in the lab cluster, as the load-balancer controller sees it. */
export interface LbService {
  uid: string;
  namespace: string;
  name: string;
  /** creationTimestamp, ms since epoch */
  created: number;
  ports: { port: number; nodePort?: number; protocol: string }[];
  /** status.loadBalancer.ingress[0].ip, once the lab gave one */
  ip?: string;
  /** The kubernetes.digitalocean.com/load-balancer-id annotation: the load balancer's id, as the cloud controller wrote it. */
  lbId?: string;
}

interface NodeRec {
  id: string;
  name: string;
  droplet_id: string;
  created: number;
}

interface PoolRec {
  id: string;
  name: string;
  size: string;
  count: number;
  tags: string[];
  labels: Record<string, string> | null;
  taints: { key: string; value: string; effect: string }[];
  auto_scale: boolean;
  min_nodes: number;
  max_nodes: number;
  nodes: NodeRec[];
  created: number;
}

interface ClusterRec {
  id: string;
  name: string;
  region: string;
  version: string;
  tags: string[];
  vpc_uuid: string;
  ipv4: string;
  pools: PoolRec[];
  created: number;
  updated: number;
  auto_upgrade: boolean;
  surge_upgrade: boolean;
  ha: boolean;
  maintenance_policy: { start_time: string; duration: string; day: string };
  /** Set by DELETE: the cluster shows `deleting` until deleted + deleteMs, then is gone. */
  deleted?: number;
  /** 1-click slugs requested for this cluster. */
  addons: string[];
}

interface LbRec {
  id: string;
  name: string;
  clusterId: string;
  region: string;
  serviceUid: string;
  service: string;
  created: number;
  ip: string;
  ports: LbService['ports'];
}

export interface CreateClusterRequest {
  name?: unknown;
  region?: unknown;
  version?: unknown;
  node_pools?: unknown;
  tags?: unknown;
  auto_upgrade?: unknown;
  surge_upgrade?: unknown;
  ha?: unknown;
  vpc_uuid?: unknown;
  maintenance_policy?: unknown;
}

/** DOKS cluster and node pool names: lowercase DNS labels. */
const NAME_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const NAME_RULE =
  'must consist of lowercase alphanumeric characters or "-", start and end with an alphanumeric character, and be at most 63 characters long';

const DEFAULT_MAINTENANCE_DAY = 'any';
const DEFAULT_EXPIRY_S = 7 * 24 * 3600;

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function suffix(n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyz0123456789';
  const bytes = randomBytes(n);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}

function dropletId(): string {
  return String(400_000_000 + (randomBytes(3).readUIntBE(0, 3) % 99_999_999));
}

export class DigitalOceanModel {
  private clusters = new Map<string, ClusterRec>();
  private lbs = new Map<string, LbRec>();
  /** Service uids whose load balancer was deleted through the API: never recreated for that Service. */
  private deletedLbServices = new Set<string>();
  /** Kubeconfig bearer tokens handed out: token → its cluster and when it stops working (ms). */
  private tokens = new Map<string, { clusterId: string; expires: number }>();
  private opts: Required<ModelOptions>;

  constructor(opts: ModelOptions) {
    this.opts = { now: Date.now, ...opts };
  }

  configure(opts: Partial<ModelOptions>): void {
    if (opts.provisionMs !== undefined) this.opts.provisionMs = opts.provisionMs;
    if (opts.deleteMs !== undefined) this.opts.deleteMs = opts.deleteMs;
  }

  get options(): Readonly<Required<ModelOptions>> {
    return this.opts;
  }

  reset(): void {
    this.clusters.clear();
    this.lbs.clear();
    this.deletedLbServices.clear();
    this.tokens.clear();
  }

  private now(): number {
    return this.opts.now();
  }

  // ---------------------------------------------------------------- clusters

  private state(c: ClusterRec): 'provisioning' | 'running' | 'deleting' | 'gone' {
    const now = this.now();
    if (c.deleted !== undefined) return now >= c.deleted + this.opts.deleteMs ? 'gone' : 'deleting';
    return now >= c.created + this.opts.provisionMs ? 'running' : 'provisioning';
  }

  /** Drops clusters whose deletion finished. */
  private sweep(): void {
    for (const [id, c] of this.clusters) if (this.state(c) === 'gone') this.clusters.delete(id);
  }

  private find(id: string): ClusterRec {
    this.sweep();
    const c = this.clusters.get(id);
    if (!c) throw notFound();
    return c;
  }

  private validatePool(p: unknown, where: string): { name: string; size: string; count: number; tags: string[]; labels: Record<string, string> | null; auto_scale: boolean; min_nodes: number; max_nodes: number } {
    if (!p || typeof p !== 'object') throw invalid(`${where}: a node pool must be an object`);
    const o = p as Record<string, unknown>;
    const name = typeof o.name === 'string' ? o.name : '';
    if (!name || name.length > 63 || !NAME_RE.test(name)) throw invalid(`${where}: invalid node pool name "${name}": ${NAME_RULE}`);
    const size = typeof o.size === 'string' ? o.size : '';
    if (!SIZES.some((s) => s.slug === size))
      throw invalid(`${where}: invalid size "${size}": not a size available for Kubernetes node pools (see /v2/kubernetes/options)`);
    const autoScale = o.auto_scale === true;
    const count = typeof o.count === 'number' ? o.count : NaN;
    if (!Number.isInteger(count) || count < (autoScale ? 0 : 1) || count > 512)
      throw invalid(`${where}: invalid node count ${String(o.count)}: must be between 1 and 512`);
    const min = typeof o.min_nodes === 'number' ? o.min_nodes : 0;
    const max = typeof o.max_nodes === 'number' ? o.max_nodes : 0;
    if (autoScale && (min > max || count < min || count > max))
      throw invalid(`${where}: count ${count} must be within min_nodes ${min} and max_nodes ${max} when auto_scale is on`);
    const tags = Array.isArray(o.tags) ? o.tags.filter((t): t is string => typeof t === 'string') : [];
    const labels =
      o.labels && typeof o.labels === 'object' ? (Object.fromEntries(Object.entries(o.labels).map(([k, v]) => [k, String(v)])) as Record<string, string>) : null;
    return { name, size, count, tags, labels, auto_scale: autoScale, min_nodes: min, max_nodes: max };
  }

  private makePool(clusterId: string, spec: ReturnType<DigitalOceanModel['validatePool']>): PoolRec {
    const now = this.now();
    const pool: PoolRec = {
      id: randomUUID(),
      ...spec,
      tags: [...spec.tags, 'k8s', `k8s:${clusterId}`, 'k8s:worker'],
      taints: [],
      nodes: [],
      created: now,
    };
    this.resizePool(pool, spec.count);
    return pool;
  }

  private resizePool(pool: PoolRec, count: number): void {
    const now = this.now();
    while (pool.nodes.length > count) pool.nodes.pop();
    while (pool.nodes.length < count)
      pool.nodes.push({ id: randomUUID(), name: `${pool.name}-${suffix(5)}`, droplet_id: dropletId(), created: now });
    pool.count = count;
  }

  createCluster(body: CreateClusterRequest): ReturnType<DigitalOceanModel['renderCluster']> {
    this.sweep();
    const name = typeof body.name === 'string' ? body.name : '';
    if (!name || name.length > 63 || !NAME_RE.test(name)) throw invalid(`invalid cluster name "${name}": ${NAME_RULE}`);
    const region = typeof body.region === 'string' ? body.region : '';
    if (!REGIONS.some((r) => r.slug === region))
      throw invalid(`region "${region}" is not available for Kubernetes clusters (see /v2/kubernetes/options)`);
    const version = this.resolveVersion(typeof body.version === 'string' ? body.version : '');
    if (!Array.isArray(body.node_pools) || body.node_pools.length === 0)
      throw invalid('a cluster needs at least one node pool');
    const specs = body.node_pools.map((p, i) => this.validatePool(p, `node_pools[${i}]`));
    const poolNames = new Set<string>();
    for (const s of specs) {
      if (poolNames.has(s.name)) throw invalid(`node pool name "${s.name}" is used more than once`);
      poolNames.add(s.name);
    }
    for (const c of this.clusters.values())
      if (c.name === name && c.deleted === undefined) throw invalid(`a cluster named "${name}" already exists in this account`);

    const id = randomUUID();
    const now = this.now();
    const userTags = Array.isArray(body.tags) ? body.tags.filter((t): t is string => typeof t === 'string') : [];
    const mp = body.maintenance_policy && typeof body.maintenance_policy === 'object' ? (body.maintenance_policy as Record<string, unknown>) : {};
    const c: ClusterRec = {
      id,
      name,
      region,
      version,
      tags: [...userTags, 'k8s', `k8s:${id}`],
      vpc_uuid: typeof body.vpc_uuid === 'string' ? body.vpc_uuid : randomUUID(),
      ipv4: `203.0.113.${1 + (randomBytes(1)[0] % 250)}`,
      pools: [],
      created: now,
      updated: now,
      auto_upgrade: body.auto_upgrade === true,
      surge_upgrade: body.surge_upgrade === true,
      ha: body.ha === true,
      maintenance_policy: {
        start_time: typeof mp.start_time === 'string' ? mp.start_time : '00:00',
        duration: '4h0m0s',
        day: typeof mp.day === 'string' ? mp.day : DEFAULT_MAINTENANCE_DAY,
      },
      addons: [],
    };
    c.pools = specs.map((s) => this.makePool(id, s));
    this.clusters.set(id, c);
    return this.renderCluster(c);
  }

  private resolveVersion(v: string): string {
    if (v === 'latest') return KUBE_VERSIONS[0].slug;
    const exact = KUBE_VERSIONS.find((k) => k.slug === v);
    if (exact) return exact.slug;
    // "1.33" or "1.33.13" pick the newest matching release, as DigitalOcean does.
    const prefix = KUBE_VERSIONS.find((k) => k.kubernetes_version === v || k.kubernetes_version.startsWith(`${v}.`));
    if (prefix && /^\d+\.\d+(\.\d+)?$/.test(v)) return prefix.slug;
    throw invalid(`version "${v}" is not a supported Kubernetes version slug (see /v2/kubernetes/options)`);
  }

  listClusters(): ReturnType<DigitalOceanModel['renderCluster']>[] {
    this.sweep();
    return [...this.clusters.values()].sort((a, b) => a.created - b.created).map((c) => this.renderCluster(c));
  }

  getCluster(id: string): ReturnType<DigitalOceanModel['renderCluster']> {
    return this.renderCluster(this.find(id));
  }

  /** Plain DELETE: the cluster goes; its load balancers stay (and keep billing), as on DigitalOcean. */
  deleteCluster(id: string): void {
    const c = this.find(id);
    if (c.deleted === undefined) {
      c.deleted = this.now();
      c.updated = c.deleted;
    }
  }

  /** The cluster's state as the API names it; for tests and the lab's status. */
  clusterState(id: string): string {
    return this.renderCluster(this.find(id)).status.state;
  }

  /** Throws unless the cluster exists and is running (the kubeconfig and 1-clicks need a control plane). */
  requireRunning(id: string, what: string): { id: string; name: string; region: string } {
    const c = this.find(id);
    const st = this.state(c);
    if (st !== 'running') throw invalid(`cluster ${c.name} is ${st}: ${what} is available once it is running`);
    return { id: c.id, name: c.name, region: c.region };
  }

  clusterInfo(id: string): { id: string; name: string; region: string; state: string } {
    const c = this.find(id);
    return { id: c.id, name: c.name, region: c.region, state: this.state(c) };
  }

  private renderCluster(c: ClusterRec) {
    const st = this.state(c);
    const state = st === 'gone' ? 'deleted' : st;
    const message =
      state === 'provisioning' ? 'provisioning' : state === 'running' ? 'Cluster is running' : state === 'deleting' ? 'Cluster is being deleted' : 'deleted';
    return {
      id: c.id,
      name: c.name,
      region: c.region,
      version: c.version,
      cluster_subnet: '10.244.0.0/16',
      service_subnet: '10.245.0.0/16',
      vpc_uuid: c.vpc_uuid,
      ipv4: st === 'provisioning' ? '' : c.ipv4,
      endpoint: `https://${c.id}.k8s.ondigitalocean.com`,
      tags: c.tags,
      node_pools: c.pools.map((p) => this.renderPool(p, this.poolState(c, p))),
      maintenance_policy: c.maintenance_policy,
      auto_upgrade: c.auto_upgrade,
      status: { state, message },
      created_at: iso(c.created),
      updated_at: iso(Math.max(c.updated, st === 'running' ? c.created + this.opts.provisionMs : c.updated)),
      surge_upgrade: c.surge_upgrade,
      registry_enabled: false,
      ha: c.ha,
    };
  }

  private renderPool(p: PoolRec, state: 'provisioning' | 'running' | 'deleting') {
    return {
      id: p.id,
      name: p.name,
      size: p.size,
      count: p.count,
      tags: p.tags,
      labels: p.labels,
      taints: p.taints,
      auto_scale: p.auto_scale,
      min_nodes: p.min_nodes,
      max_nodes: p.max_nodes,
      nodes: p.nodes.map((n) => ({
        id: n.id,
        name: n.name,
        status: { state },
        droplet_id: n.droplet_id,
        created_at: iso(n.created),
        updated_at: iso(state === 'running' ? Math.max(n.created, p.created) + this.opts.provisionMs : n.created),
      })),
    };
  }

  // ---------------------------------------------------------------- node pools

  private poolState(c: ClusterRec, p: PoolRec): 'provisioning' | 'running' | 'deleting' {
    if (c.deleted !== undefined) return 'deleting';
    return this.now() >= Math.max(c.created, p.created) + this.opts.provisionMs ? 'running' : 'provisioning';
  }

  listPools(clusterId: string) {
    const c = this.find(clusterId);
    return c.pools.map((p) => this.renderPool(p, this.poolState(c, p)));
  }

  getPool(clusterId: string, poolId: string) {
    const c = this.find(clusterId);
    const p = c.pools.find((x) => x.id === poolId);
    if (!p) throw notFound();
    return this.renderPool(p, this.poolState(c, p));
  }

  addPool(clusterId: string, body: unknown) {
    const c = this.find(clusterId);
    const spec = this.validatePool(body, 'node pool');
    if (c.pools.some((p) => p.name === spec.name)) throw invalid(`node pool name "${spec.name}" is already used in this cluster`);
    const p = this.makePool(c.id, spec);
    c.pools.push(p);
    c.updated = this.now();
    return this.renderPool(p, this.poolState(c, p));
  }

  updatePool(clusterId: string, poolId: string, body: unknown) {
    const c = this.find(clusterId);
    const p = c.pools.find((x) => x.id === poolId);
    if (!p) throw notFound();
    const o = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const spec = this.validatePool({ ...o, size: p.size }, 'node pool');
    p.name = spec.name;
    p.auto_scale = spec.auto_scale;
    p.min_nodes = spec.min_nodes;
    p.max_nodes = spec.max_nodes;
    if (spec.labels) p.labels = spec.labels;
    this.resizePool(p, spec.count);
    c.updated = this.now();
    return this.renderPool(p, this.poolState(c, p));
  }

  deletePool(clusterId: string, poolId: string): void {
    const c = this.find(clusterId);
    const i = c.pools.findIndex((x) => x.id === poolId);
    if (i < 0) throw notFound();
    if (c.pools.length === 1) throw invalid('a cluster needs at least one node pool: delete the cluster instead');
    c.pools.splice(i, 1);
    c.updated = this.now();
  }

  // ---------------------------------------------------------------- credentials

  credentialsExpiry(expirySeconds: number | undefined): string {
    const s = expirySeconds && expirySeconds > 0 ? expirySeconds : DEFAULT_EXPIRY_S;
    return iso(this.now() + s * 1000);
  }

  /**
   * A new bearer token for a running cluster's kubeconfig, valid until `expiresAt` (the second
   * `expires_at` shows: a token never outlives what the API said). The lab's apiserver asks
   * reviewToken() about it through its webhook token authenticator.
   */
  issueToken(clusterId: string, expirySeconds: number | undefined): { token: string; expiresAt: string } {
    const c = this.requireRunning(clusterId, 'the kubeconfig');
    const expiresAt = this.credentialsExpiry(expirySeconds);
    const token = `doks-lab-${randomBytes(24).toString('hex')}`;
    this.tokens.set(token, { clusterId: c.id, expires: Date.parse(expiresAt) });
    return { token, expiresAt };
  }

  /** What the apiserver's TokenReview gets: the token's cluster, or why it is refused. */
  reviewToken(token: string): { authenticated: true; clusterId: string; clusterName: string } | { authenticated: false; error: string } {
    const t = this.tokens.get(token);
    if (!t) return { authenticated: false, error: 'unknown token' };
    const now = this.now();
    if (now >= t.expires) {
      // Keep an expired token a day so it is reported as expired, not unknown; then forget it.
      if (now >= t.expires + 24 * 3600_000) this.tokens.delete(token);
      return { authenticated: false, error: `token expired at ${iso(t.expires)}` };
    }
    this.sweep();
    const c = this.clusters.get(t.clusterId);
    if (!c || c.deleted !== undefined) return { authenticated: false, error: 'the token\'s cluster was deleted' };
    return { authenticated: true, clusterId: c.id, clusterName: c.name };
  }

  /** How many tokens are still valid (for /_lab/state). */
  liveTokens(): number {
    const now = this.now();
    return [...this.tokens.values()].filter((t) => t.expires > now).length;
  }

  // ---------------------------------------------------------------- 1-clicks

  oneClicks(type: string | undefined): { slug: string; type: string }[] {
    if (type === 'droplet') return [];
    return ONE_CLICKS_KUBERNETES.map((slug) => ({ slug, type: 'kubernetes' }));
  }

  /** Validates a 1-click install; returns the slugs the lab has to install. */
  requestOneClicks(body: { addon_slugs?: unknown; cluster_uuid?: unknown }): { cluster: string; slugs: string[] } {
    const slugs = Array.isArray(body.addon_slugs) ? body.addon_slugs.filter((s): s is string => typeof s === 'string') : [];
    if (slugs.length === 0) throw invalid('addon_slugs must name at least one 1-click application');
    const unknown = slugs.filter((s) => !ONE_CLICKS_KUBERNETES.includes(s));
    if (unknown.length) throw invalid(`unknown 1-click application slug(s): ${unknown.join(', ')}`);
    const notInLab = slugs.filter((s) => !INSTALLABLE_ONE_CLICKS.includes(s));
    if (notInLab.length) throw invalid(`the lab cannot install these 1-click applications: ${notInLab.join(', ')}`);
    const id = typeof body.cluster_uuid === 'string' ? body.cluster_uuid : '';
    const c = this.find(id);
    this.requireRunning(c.id, '1-click installation');
    for (const s of slugs) if (!c.addons.includes(s)) c.addons.push(s);
    return { cluster: c.id, slugs };
  }

  // ---------------------------------------------------------------- load balancers

  /**
   * Mirrors the lab's LoadBalancer Services as DigitalOcean load balancers, the way DOKS' cloud
   * controller does: a Service created while a cluster exists (the newest such cluster owns it) gets
   * a load balancer tagged `k8s:<cluster id>`; it goes when the Service goes, unless its cluster was
   * deleted without its load balancers (then it stays, orphaned, as on DigitalOcean).
   */
  syncLoadBalancers(services: LbService[]): void {
    this.sweep();
    const byUid = new Map(services.map((s) => [s.uid, s]));
    for (const [id, lb] of this.lbs) {
      const svc = byUid.get(lb.serviceUid);
      const owner = this.clusters.get(lb.clusterId);
      const ownerAlive = owner !== undefined && owner.deleted === undefined;
      if (!svc) {
        if (ownerAlive) this.lbs.delete(id);
        continue;
      }
      if (ownerAlive) {
        lb.ip = svc.ip ?? '';
        lb.ports = svc.ports;
        // Seen before its annotation was written: take the id the Service names, as the API would show it.
        if (svc.lbId && svc.lbId !== id && !this.lbs.has(svc.lbId)) {
          this.lbs.delete(id);
          lb.id = svc.lbId;
          this.lbs.set(svc.lbId, lb);
        }
      }
    }
    const taken = new Set([...this.lbs.values()].map((lb) => lb.serviceUid));
    const live = [...this.clusters.values()].filter((c) => c.deleted === undefined).sort((a, b) => b.created - a.created);
    for (const svc of services) {
      if (taken.has(svc.uid) || this.deletedLbServices.has(svc.uid)) continue;
      // creationTimestamp has one-second resolution.
      const owner = live.find((c) => Math.floor(c.created / 1000) * 1000 <= svc.created);
      if (!owner) continue;
      const id = svc.lbId && !this.lbs.has(svc.lbId) ? svc.lbId : randomUUID();
      this.lbs.set(id, {
        id,
        name: `a${svc.uid.replace(/-/g, '')}`.slice(0, 32),
        clusterId: owner.id,
        region: owner.region,
        serviceUid: svc.uid,
        service: `${svc.namespace}/${svc.name}`,
        created: this.now(),
        ip: svc.ip ?? '',
        ports: svc.ports,
      });
    }
  }

  private renderLb(lb: LbRec) {
    const region = REGIONS.find((r) => r.slug === lb.region) ?? REGIONS[0];
    const owner = this.clusters.get(lb.clusterId);
    const dropletIds = owner ? owner.pools.flatMap((p) => p.nodes.map((n) => Number(n.droplet_id))) : [];
    const rules = lb.ports.length ? lb.ports : [{ port: 80, nodePort: 30080, protocol: 'TCP' }];
    const first = rules[0];
    return {
      id: lb.id,
      name: lb.name,
      ip: lb.ip,
      size_unit: 1,
      size: 'lb-small',
      algorithm: 'round_robin',
      status: lb.ip ? 'active' : 'new',
      created_at: iso(lb.created),
      forwarding_rules: rules.map((p) => ({
        entry_protocol: 'tcp',
        entry_port: p.port,
        target_protocol: 'tcp',
        target_port: p.nodePort ?? p.port,
        certificate_id: '',
        tls_passthrough: false,
      })),
      health_check: {
        protocol: 'tcp',
        port: first.nodePort ?? first.port,
        path: '',
        check_interval_seconds: 3,
        response_timeout_seconds: 5,
        healthy_threshold: 5,
        unhealthy_threshold: 3,
      },
      sticky_sessions: { type: 'none' },
      region: {
        name: region.name,
        slug: region.slug,
        features: ['backups', 'ipv6', 'metadata', 'install_agent', 'storage', 'image_transfer'],
        available: true,
        sizes: SIZES.map((s) => s.slug),
      },
      tag: '',
      tags: [`k8s:${lb.clusterId}`],
      droplet_ids: dropletIds,
      redirect_http_to_https: false,
      enable_proxy_protocol: false,
      enable_backend_keepalive: false,
      http_idle_timeout_seconds: 60,
      vpc_uuid: owner?.vpc_uuid ?? randomUUID(),
      disable_lets_encrypt_dns_records: false,
      firewall: { deny: [], allow: [] },
      network: 'EXTERNAL',
      network_stack: 'IPV4',
      type: 'REGIONAL',
      tls_cipher_policy: 'DEFAULT',
    };
  }

  listLoadBalancers() {
    return [...this.lbs.values()].sort((a, b) => a.created - b.created).map((lb) => this.renderLb(lb));
  }

  getLoadBalancer(id: string) {
    const lb = this.lbs.get(id);
    if (!lb) throw notFound();
    return this.renderLb(lb);
  }

  deleteLoadBalancer(id: string): void {
    const lb = this.lbs.get(id);
    if (!lb) throw notFound();
    this.lbs.delete(id);
    this.deletedLbServices.add(lb.serviceUid);
  }

  // ---------------------------------------------------------------- destroy with associated resources

  associatedResources(clusterId: string) {
    const c = this.find(clusterId);
    return {
      load_balancers: [...this.lbs.values()].filter((lb) => lb.clusterId === c.id).map((lb) => ({ id: lb.id, name: lb.name })),
      volumes: [] as { id: string; name: string }[],
      volume_snapshots: [] as { id: string; name: string }[],
    };
  }

  /** DELETE .../destroy_with_associated_resources/dangerous: the load balancers and the cluster go. */
  destroyDangerous(clusterId: string): void {
    const c = this.find(clusterId);
    for (const [id, lb] of this.lbs)
      if (lb.clusterId === c.id) {
        this.lbs.delete(id);
        this.deletedLbServices.add(lb.serviceUid);
      }
    this.deleteCluster(c.id);
  }

  snapshot() {
    this.sweep();
    return {
      liveTokens: this.liveTokens(),
      options: { provisionMs: this.opts.provisionMs, deleteMs: this.opts.deleteMs },
      clusters: [...this.clusters.values()].map((c) => ({ id: c.id, name: c.name, state: this.state(c), addons: c.addons })),
      loadBalancers: [...this.lbs.values()].map((lb) => ({ id: lb.id, name: lb.name, cluster: lb.clusterId, service: lb.service, ip: lb.ip })),
    };
  }
}
