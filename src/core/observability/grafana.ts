// Grafana access: where the Service is (load balancer IP, else a loopback port-forward), the default
// logins kube-prometheus-stack installs, and changing the admin password through Grafana's API.
import type { KubeConfig } from '@kubernetes/client-node';
import { describeError, UserError } from '../errors';
import { openTunnel, type Tunnel } from '../kube/portforward';
import { grafanaFetch, type GrafanaCredentials, type MonitoringStatus } from './prometheus';

export const GRAFANA_USER = 'admin';
/** The default admin password: kube-prometheus-stack today, and the older prometheus-operator installs. */
export function defaultGrafanaPassword(namespace: string | undefined): string {
  return namespace === 'prometheus-operator' ? 'changeme' : 'prom-operator';
}
export const DEFAULT_PASSWORDS = ['prom-operator', 'changeme'];

export interface GrafanaEndpoint {
  url: string;
  /** How it is reached, for the message shown. */
  via: string;
  tunnel?: Tunnel;
}

/**
 * The Grafana URL: a setting, else the LoadBalancer address, else a port-forward kept open by the caller.
 * With `forCredentials` (the extension itself will send the admin password), a port-forward is preferred
 * to a load balancer, which DigitalOcean serves over plain http.
 */
export async function resolveGrafana(
  kc: KubeConfig | undefined,
  monitoring: MonitoringStatus | undefined,
  urlSetting?: string,
  log?: (m: string) => void,
  opts: { forCredentials?: boolean } = {},
): Promise<GrafanaEndpoint> {
  if (urlSetting) return { url: urlSetting.replace(/\/+$/, ''), via: 'the sockShop.grafana.url setting' };
  const g = monitoring?.grafana;
  if (!g) throw new UserError('No Grafana Service found (kube-prometheus-stack-grafana). Install the Monitoring Stack first.', 'NoGrafana');
  const lb = g.type === 'LoadBalancer' && g.external ? { url: `http://${g.external}${g.port === 80 ? '' : `:${g.port}`}`, via: `load balancer of ${g.namespace}/${g.name}` } : undefined;
  if (lb && !(opts.forCredentials && kc)) return lb;
  if (!kc) throw new UserError('No Kubernetes connection to port-forward Grafana through.', 'NoCluster');
  const tunnel = await openTunnel(kc, g, 0, log);
  return { url: tunnel.url, via: `port-forward to ${g.namespace}/${g.name} (kept open while the extension runs)`, tunnel };
}

/** PUT /api/user/password as the signed-in user. */
export async function changeGrafanaPassword(g: GrafanaCredentials, newPassword: string): Promise<void> {
  if (newPassword.length < 4) throw new UserError('Grafana needs a password of at least 4 characters.', 'WeakPassword');
  let res: Response;
  try {
    res = await grafanaFetch(g, 'api/user/password', { method: 'PUT', body: JSON.stringify({ oldPassword: g.password, newPassword, confirmNew: newPassword }) });
  } catch (err) {
    throw new UserError(`Cannot reach Grafana at ${g.url}: ${describeError(err)}`, 'GrafanaUnreachable');
  }
  if (res.status === 401) throw new UserError('Grafana rejected the current password (HTTP 401).', 'GrafanaUnauthorized');
  if (!res.ok) {
    const body = await res.text().catch(() => '');
    let message = body;
    try {
      message = (JSON.parse(body) as { message?: string }).message ?? body;
    } catch {
      /* plain text */
    }
    throw new UserError(`Grafana refused the new password: ${message || `HTTP ${res.status}`}`, 'GrafanaError');
  }
}

/** Finds which password works for admin (stored one first, then the defaults). */
export async function findWorkingPassword(url: string, candidates: (string | undefined)[]): Promise<string | undefined> {
  for (const p of candidates) {
    if (!p) continue;
    try {
      const res = await grafanaFetch({ url, user: GRAFANA_USER, password: p }, 'api/user', {}, 5_000);
      if (res.ok) return p;
    } catch {
      return undefined;
    }
  }
  return undefined;
}
