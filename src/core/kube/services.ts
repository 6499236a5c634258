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
