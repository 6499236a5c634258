// Where a Service can be reached from the editor: its load balancer address, or a note saying why not
// (then a port-forward reaches it, see portforward.ts).
import { CoreV1Api, type KubeConfig, type V1Service } from '@kubernetes/client-node';
import { apiClient, is404 } from './client';
import { clusterProblem } from './errors';

export interface ServiceAddress {
  /** Set when the Service has a load balancer address. */
  url?: string;
  /** Why there is no URL, and what to do (port-forward). */
  note: string;
  serviceType?: string;
}

/** The Service's URL from its LoadBalancer ingress, or a note; `missing` says what to do when it does not exist. */
export async function serviceAddress(kc: KubeConfig, namespace: string, name: string, missing = 'create it first'): Promise<ServiceAddress> {
  let svc: V1Service;
  try {
    svc = await apiClient(kc, CoreV1Api).readNamespacedService({ name, namespace });
  } catch (err) {
    if (is404(err)) return { note: `There is no ${name} Service in namespace ${namespace}: ${missing}.` };
    throw clusterProblem(err, kc) ?? err;
  }
  return serviceAddressOf(svc);
}

export function serviceAddressOf(svc: V1Service): ServiceAddress {
  const name = svc.metadata?.name ?? 'the';
  const type = svc.spec?.type ?? 'ClusterIP';
  const port = svc.spec?.ports?.[0]?.port ?? 80;
  const ingress = svc.status?.loadBalancer?.ingress?.[0];
  const host = ingress?.ip ?? ingress?.hostname;
  if (host) {
    const h = host.includes(':') ? `[${host}]` : host;
    return { url: `http://${h}${port === 80 ? '' : `:${port}`}/`, note: `load balancer ${host}`, serviceType: type };
  }
  if (type === 'LoadBalancer') {
    return { note: `The load balancer has no address yet (DigitalOcean takes a minute or two); a port-forward reaches the ${name} Service meanwhile.`, serviceType: type };
  }
  const nodePort = svc.spec?.ports?.[0]?.nodePort;
  return {
    note: `The ${name} Service is a ${type}${nodePort ? ` (node port ${nodePort})` : ''}; a port-forward reaches it from this machine.`,
    serviceType: type,
  };
}

/** DigitalOcean's cloud controller records on a LoadBalancer Service which load balancer serves it. */
export const DO_LB_ID_ANNOTATION = 'kubernetes.digitalocean.com/load-balancer-id';

/** A LoadBalancer Service: which load balancer (id annotation, ingress addresses) serves it. */
export interface LoadBalancerService {
  namespace: string;
  name: string;
  lbId?: string;
  addresses: string[];
}

export function loadBalancerServiceOf(svc: V1Service): LoadBalancerService | undefined {
  if (svc.spec?.type !== 'LoadBalancer') return undefined;
  return {
    namespace: svc.metadata?.namespace ?? 'default',
    name: svc.metadata?.name ?? '',
    lbId: svc.metadata?.annotations?.[DO_LB_ID_ANNOTATION],
    addresses: (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip ?? i.hostname ?? '').filter(Boolean),
  };
}

/** Every LoadBalancer Service of the cluster (all namespaces). */
export async function loadBalancerServices(kc: KubeConfig): Promise<LoadBalancerService[]> {
  try {
    const list = await apiClient(kc, CoreV1Api).listServiceForAllNamespaces({ timeoutSeconds: 10 });
    return list.items.map(loadBalancerServiceOf).filter((s): s is LoadBalancerService => !!s);
  } catch (err) {
    throw clusterProblem(err, kc) ?? err;
  }
}

/** The Services a load balancer serves: by the id annotation, else by its IP among the ingress addresses. */
export function servicesOfLoadBalancer(lb: { id: string; ip?: string }, services: readonly LoadBalancerService[]): LoadBalancerService[] {
  const byId = services.filter((s) => s.lbId === lb.id);
  if (byId.length) return byId;
  return lb.ip ? services.filter((s) => !s.lbId && s.addresses.includes(lb.ip!)) : [];
}
