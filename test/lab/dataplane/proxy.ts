// The lab proxy: the lab's kube-proxy and DigitalOcean load balancer in one process. It follows Services
// and EndpointSlices and forwards TCP from each Service's ClusterIP:port (127.96.x.y, addresses.ts), each
// LoadBalancer address (127.10.x.y:port, lb-controller.ts) and each NodePort (127.0.0.1:nodePort, the lab
// nodes' address) to the Service's ready endpoints, each dialled at its pod IP mapped to loopback.
//
// Endpoint changes take effect after a propagation delay, SOCK_SHOP_LAB_PROXY_DELAY_MS (default 1000 ms):
// kube-proxy applies EndpointSlice changes to the node's rules at most once per --iptables-min-sync-period
// (default 1 s), so a deleted pod keeps receiving new connections for up to about a second. DigitalOcean's
// load balancer sends to the nodes (externalTrafficPolicy: Cluster), not to pods, so its own health checks
// (every 10 s) do not come into pod churn: the node's kube-proxy is what routes past a deleted pod, and
// this one delay models both hops.
//
// Like kube-proxy: an established connection stays with its endpoint when that endpoint goes away (conntrack
// keeps it; it ends when the pod closes it); a new connection goes to a random ready endpoint; a Service
// with no ready endpoint rejects connections (a TCP reset here, ICMP-unreachable in iptables mode).
//
// Run as a lab daemon:  node --import tsx test/lab/dataplane/proxy.ts <kubeconfig>
import { connect, createServer, type Server, type Socket } from 'node:net';
import { KubeRest } from '../lb-controller.ts';
import { isLoopback, labAddress } from './addresses.ts';
import { Informer, keyOf, type KObject } from './informer.ts';

export const DEFAULT_PROPAGATION_DELAY_MS = 1000;

export interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  nodePort?: number;
}

interface Slice extends KObject {
  ports?: { name?: string; port?: number; protocol?: string }[];
  endpoints?: { addresses: string[]; conditions?: { ready?: boolean; serving?: boolean; terminating?: boolean } }[];
}

/** The addresses a Service is reachable at on this machine, with the service port each one serves. */
export function frontends(svc: { spec?: any; status?: any }): { address: string; port: number; servicePort: ServicePort }[] {
  const out: { address: string; port: number; servicePort: ServicePort }[] = [];
  const spec = svc.spec ?? {};
  const ports: ServicePort[] = (spec.ports ?? []).filter((p: ServicePort) => (p.protocol ?? 'TCP') === 'TCP');
  const ips = (spec.clusterIPs ?? [spec.clusterIP]).filter((ip: string | undefined) => ip && ip !== 'None' && isLoopback(ip));
  for (const ip of ips) for (const p of ports) out.push({ address: ip, port: p.port, servicePort: p });
  if (spec.type === 'LoadBalancer') {
    for (const ing of svc.status?.loadBalancer?.ingress ?? []) {
      if (isLoopback(ing.ip)) for (const p of ports) out.push({ address: ing.ip, port: p.port, servicePort: p });
    }
  }
  if (spec.type === 'NodePort') for (const p of ports) if (p.nodePort) out.push({ address: '127.0.0.1', port: p.nodePort, servicePort: p });
  return out;
}

/**
 * The ready, non-terminating endpoints of one service port across a Service's EndpointSlices, as the
 * loopback host:port the lab dials (pod IPs mapped by labAddress).
 */
export function readyEndpoints(slices: Slice[], portName: string | undefined, skipped: (address: string) => void = () => {}): string[] {
  const out = new Set<string>();
  for (const s of slices) {
    const p = (s.ports ?? []).find((x) => (x.name ?? '') === (portName ?? ''));
    if (!p?.port) continue;
    for (const e of s.endpoints ?? []) {
      const c = e.conditions ?? {};
      // ready unset means "unknown", which consumers take as ready; terminating endpoints get no new connections.
      if (c.ready === false || c.terminating === true) continue;
      for (const a of e.addresses) {
        // An endpoint outside the pod network and loopback (a hand-made EndpointSlice, e.g. 192.0.2.x) is
        // never dialled: the lab sends no packet off loopback.
        let mapped: string;
        try {
          mapped = labAddress(a);
        } catch {
          skipped(a);
          continue;
        }
        out.add(`${mapped}:${p.port}`);
      }
    }
  }
  return [...out].sort();
}

export class Proxy {
  readonly api: KubeRest;
  private readonly services: Informer<KObject & { spec?: any; status?: any }>;
  private readonly slices: Informer<Slice>;
  /** "address:port" → listener and what it serves. */
  private readonly listeners = new Map<string, { server: Server; service: string; portName?: string }>();
  /** "ns/name|portName" → ready endpoints, as currently applied (after the delay). */
  private readonly backends = new Map<string, string[]>();
  private readonly timers = new Set<NodeJS.Timeout>();
  connections = 0;

  constructor(
    kubeconfig: string,
    readonly delayMs = DEFAULT_PROPAGATION_DELAY_MS,
    readonly log: (m: string) => void = (m) => console.log(`lab-proxy: ${m}`),
  ) {
    this.api = new KubeRest(kubeconfig);
    this.services = new Informer(this.api, '/api/v1/services', (c) => this.syncService(c.type === 'delete' ? undefined : c.obj, keyOf(c.obj)), log);
    this.slices = new Informer<Slice>(this.api, '/apis/discovery.k8s.io/v1/endpointslices', (c) => this.endpointsChanged(c.obj), log);
  }

  private readonly skippedLogged = new Set<string>();

  private skip(svc: string, address: string): void {
    const k = `${svc} ${address}`;
    if (this.skippedLogged.has(k)) return;
    this.skippedLogged.add(k);
    this.log(`${svc}: endpoint ${address} is neither a pod IP nor loopback; not routed to`);
  }

  private serviceOf(slice: Slice): string | undefined {
    const name = slice.metadata.labels?.['kubernetes.io/service-name'];
    return name ? `${slice.metadata.namespace}/${name}` : undefined;
  }

  private endpointsChanged(slice: Slice): void {
    const svc = this.serviceOf(slice);
    if (!svc) return;
    // Snapshot now, apply after the propagation delay (in order: every change waits the same time).
    const all = [...this.slices.cache.values()].filter((s) => this.serviceOf(s) === svc);
    const names = new Set<string>();
    for (const s of all) for (const p of s.ports ?? []) names.add(p.name ?? '');
    for (const [k] of this.backends) if (k.startsWith(`${svc}|`)) names.add(k.slice(svc.length + 1));
    const next = [...names].map((n) => [`${svc}|${n}`, readyEndpoints(all, n, (a) => this.skip(svc, a))] as const);
    const t = setTimeout(() => {
      this.timers.delete(t);
      for (const [k, eps] of next) this.backends.set(k, eps);
    }, this.delayMs);
    this.timers.add(t);
  }

  private syncService(svc: (KObject & { spec?: any; status?: any }) | undefined, key: string): void {
    const wanted = new Map<string, { address: string; port: number; portName?: string }>();
    for (const f of svc ? frontends(svc) : []) wanted.set(`${f.address}:${f.port}`, { address: f.address, port: f.port, portName: f.servicePort.name });
    for (const [addr, l] of this.listeners) {
      if (l.service === key && !wanted.has(addr)) {
        l.server.close();
        this.listeners.delete(addr);
      }
    }
    for (const [addr, f] of wanted) {
      const have = this.listeners.get(addr);
      if (have && have.service === key) {
        have.portName = f.portName;
        continue;
      }
      if (have) {
        this.log(`${addr}: wanted by ${key} but served for ${have.service}`);
        continue;
      }
      const entry = { server: createServer((c) => this.forward(c, entry.service, entry.portName)), service: key, portName: f.portName };
      entry.server.on('error', (err) => {
        this.log(`cannot listen on ${addr} for ${key}: ${err.message}`);
        if (this.listeners.get(addr) === entry) this.listeners.delete(addr);
      });
      entry.server.listen({ host: f.address, port: f.port, exclusive: true });
      this.listeners.set(addr, entry);
    }
  }

  private forward(client: Socket, service: string, portName: string | undefined): void {
    client.setNoDelay(true);
    const eps = this.backends.get(`${service}|${portName ?? ''}`) ?? [];
    if (!eps.length) {
      client.resetAndDestroy();
      return;
    }
    const target = eps[Math.floor(Math.random() * eps.length)];
    const i = target.lastIndexOf(':');
    const upstream = connect({ host: target.slice(0, i), port: Number(target.slice(i + 1)) });
    upstream.setNoDelay(true);
    this.connections++;
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => {
      if (!client.destroyed) client.resetAndDestroy();
    });
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Current endpoints per "ns/name|port" (for status and tests). */
  snapshot(): Record<string, string[]> {
    return Object.fromEntries(this.backends);
  }

  async run(): Promise<void> {
    await Promise.all([this.slices.run(), this.services.run()]);
  }

  stop(): void {
    this.services.stop();
    this.slices.stop();
    for (const t of this.timers) clearTimeout(t);
    for (const l of this.listeners.values()) l.server.close();
  }
}

export function delayFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.SOCK_SHOP_LAB_PROXY_DELAY_MS;
  if (raw === undefined || raw === '') return DEFAULT_PROPAGATION_DELAY_MS;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) throw new Error(`SOCK_SHOP_LAB_PROXY_DELAY_MS must be a number of milliseconds ≥ 0 (got "${raw}")`);
  return n;
}

if (import.meta.filename === process.argv[1]) {
  const kubeconfig = process.argv[2];
  if (!kubeconfig) {
    console.error('usage: proxy.ts <kubeconfig>');
    process.exit(2);
  }
  const delay = delayFromEnv();
  const proxy = new Proxy(kubeconfig, delay);
  const stop = () => {
    proxy.stop();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  console.log(`lab-proxy: forwarding Service, LoadBalancer and NodePort addresses to ready endpoints (propagation delay ${delay} ms)`);
  proxy.run().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
