// Where the lab's data plane puts things on loopback.
//
// Kubernetes keeps pod IPs in the API (Pod status, EndpointSlices) and rejects loopback addresses in
// endpoints, so pods keep the 10.244.x.y addresses kwok allocates from each node's podCIDR — in the API
// only. Every socket the lab opens or binds for a pod uses the pod IP mapped into 127.0.0.0/8 with the
// same last three octets (10.244.1.7 → 127.244.1.7). Nothing ever connects to 10.x.y.z.
//
// Service ClusterIPs come from 127.96.0.0/16 directly (kube-apiserver's --service-cluster-ip-range), and
// LoadBalancer addresses from 127.10.0.0/16 (lb-controller.ts). All of 127.0.0.0/8 is loopback on Linux:
// any address in it can be bound without configuring an interface, and no packet to it leaves the machine.

/** kube-apiserver's --service-cluster-ip-range (and kube-controller-manager's). */
export const SERVICE_CLUSTER_IP_RANGE = '127.96.0.0/16';
/** Where pod IPs (10.a.b.c in the API) live on this machine: 127.a.b.c. */
export const POD_LOOPBACK_PREFIX = '127';

function octets(ip: string): number[] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(ip);
  if (!m) return undefined;
  const o = m.slice(1).map(Number);
  return o.every((n) => n <= 255) ? o : undefined;
}

/** True for an IPv4 address in 127.0.0.0/8. */
export function isLoopback(ip: string | undefined): boolean {
  const o = ip ? octets(ip) : undefined;
  return !!o && o[0] === 127;
}

/**
 * The loopback address the lab uses for an address the API shows: a pod IP in 10.0.0.0/8 maps to
 * 127.x.y.z with the same lower octets; a loopback address stays as it is (node IPs, Service and LB
 * addresses). Anything else throws: the lab never sends a packet off loopback.
 */
export function labAddress(ip: string): string {
  const o = octets(ip);
  if (!o) throw new Error(`not an IPv4 address: "${ip}"`);
  if (o[0] === 127) return ip;
  if (o[0] === 10) {
    const mapped = `${POD_LOOPBACK_PREFIX}.${o[1]}.${o[2]}.${o[3]}`;
    // 127.0.0.1 and Debian's 127.0.1.1 are taken by the host; kwok never allocates 10.0.x.y here
    // (the lab's podCIDRs start at 10.244.0.0), so this only guards against a changed allocation.
    if (o[1] === 0) throw new Error(`pod IP ${ip} would map onto the host's own 127.0.x.y addresses`);
    return mapped;
  }
  throw new Error(`${ip} is neither a pod IP (10.0.0.0/8) nor loopback; the lab does not send packets there`);
}

/** The environment variable prefix kubelet derives from a Service name: "front-end" → "FRONT_END". */
export function serviceEnvName(service: string): string {
  return service.toUpperCase().replace(/-/g, '_');
}

export interface ServiceForEnv {
  name: string;
  clusterIP?: string;
  ports: { name?: string; port: number; protocol?: string }[];
}

/**
 * The Docker-links style variables kubelet puts into every container for each Service of its namespace
 * that has a ClusterIP (enableServiceLinks, on by default), e.g. CATALOGUE_SERVICE_HOST=127.96.0.12,
 * CATALOGUE_SERVICE_PORT=80, CATALOGUE_PORT=tcp://127.96.0.12:80, CATALOGUE_PORT_80_TCP_ADDR=...
 */
export function serviceEnv(services: ServiceForEnv[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const s of services) {
    if (!s.clusterIP || s.clusterIP === 'None' || !s.ports.length) continue;
    const n = serviceEnvName(s.name);
    const first = s.ports[0];
    env[`${n}_SERVICE_HOST`] = s.clusterIP;
    env[`${n}_SERVICE_PORT`] = String(first.port);
    for (const p of s.ports) if (p.name) env[`${n}_SERVICE_PORT_${serviceEnvName(p.name)}`] = String(p.port);
    env[`${n}_PORT`] = `${(first.protocol ?? 'TCP').toLowerCase()}://${s.clusterIP}:${first.port}`;
    for (const p of s.ports) {
      const proto = (p.protocol ?? 'TCP').toUpperCase();
      const k = `${n}_PORT_${p.port}_${proto}`;
      env[k] = `${proto.toLowerCase()}://${s.clusterIP}:${p.port}`;
      env[`${k}_PROTO`] = proto.toLowerCase();
      env[`${k}_PORT`] = String(p.port);
      env[`${k}_ADDR`] = s.clusterIP;
    }
  }
  return env;
}

/** host:port of a Service from a container's environment, as a client in the pod finds it. */
export function serviceFromEnv(env: Record<string, string | undefined>, service: string): { host: string; port: number } | undefined {
  const n = serviceEnvName(service);
  const host = env[`${n}_SERVICE_HOST`];
  const port = Number(env[`${n}_SERVICE_PORT`]);
  if (!host || !Number.isInteger(port) || port <= 0) return undefined;
  return { host: labAddress(host), port };
}
