// What the lab's DigitalOcean offers: regions, Kubernetes versions, node sizes with prices, 1-click
// apps. Slugs and prices follow DigitalOcean's public catalogue; the newest Kubernetes version is the
// one the lab's control plane really runs, so a kubeconfig for a "1.33" cluster reaches a 1.33 server.
import { VERSIONS } from '../paths';

export interface Region {
  slug: string;
  name: string;
}

export const REGIONS: Region[] = [
  { slug: 'nyc1', name: 'New York 1' },
  { slug: 'nyc3', name: 'New York 3' },
  { slug: 'sfo3', name: 'San Francisco 3' },
  { slug: 'ams3', name: 'Amsterdam 3' },
  { slug: 'sgp1', name: 'Singapore 1' },
  { slug: 'lon1', name: 'London 1' },
  { slug: 'fra1', name: 'Frankfurt 1' },
  { slug: 'tor1', name: 'Toronto 1' },
  { slug: 'blr1', name: 'Bangalore 1' },
  { slug: 'syd1', name: 'Sydney 1' },
];

export interface KubeVersion {
  slug: string;
  kubernetes_version: string;
  supported_features: string[];
}

const FEATURES = ['cluster-autoscaler', 'docr-integration', 'ha-control-plane', 'token-authentication'];

/** Newest first, like DigitalOcean lists them. */
export const KUBE_VERSIONS: KubeVersion[] = [
  { slug: `${VERSIONS.kubernetes}-do.0`, kubernetes_version: VERSIONS.kubernetes, supported_features: FEATURES },
  { slug: '1.32.10-do.1', kubernetes_version: '1.32.10', supported_features: FEATURES },
  { slug: '1.31.14-do.2', kubernetes_version: '1.31.14', supported_features: FEATURES },
];

export interface Size {
  slug: string;
  vcpus: number;
  /** MiB */
  memory: number;
  /** GiB */
  disk: number;
  /** TiB of transfer */
  transfer: number;
  price_monthly: number;
  price_hourly: number;
  description: string;
}

/** Sizes a DOKS node pool may use (s-1vcpu-2gb is the smallest DOKS accepts). */
export const SIZES: Size[] = [
  { slug: 's-1vcpu-2gb', vcpus: 1, memory: 2048, disk: 50, transfer: 2, price_monthly: 12, price_hourly: 0.01786, description: 'Basic' },
  { slug: 's-2vcpu-2gb', vcpus: 2, memory: 2048, disk: 60, transfer: 3, price_monthly: 18, price_hourly: 0.02679, description: 'Basic' },
  { slug: 's-2vcpu-4gb', vcpus: 2, memory: 4096, disk: 80, transfer: 4, price_monthly: 24, price_hourly: 0.03571, description: 'Basic' },
  { slug: 's-4vcpu-8gb', vcpus: 4, memory: 8192, disk: 160, transfer: 5, price_monthly: 48, price_hourly: 0.07143, description: 'Basic' },
  { slug: 'g-2vcpu-8gb', vcpus: 2, memory: 8192, disk: 25, transfer: 4, price_monthly: 63, price_hourly: 0.09375, description: 'General Purpose' },
];

/** Monthly price of one small regional load balancer (not exposed by the API; the extension needs its own). */
export const LOAD_BALANCER_PRICE_MONTHLY = 12;

export const ONE_CLICKS_KUBERNETES = ['monitoring', 'ingress-nginx', 'cert-manager', 'kube-state-metrics'];

/** The 1-click slugs whose installation the lab really performs. */
export const INSTALLABLE_ONE_CLICKS = ['monitoring'];
