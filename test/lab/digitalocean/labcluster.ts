// What the lab's DigitalOcean needs from the lab's Kubernetes cluster: the API server's address and
// CA, the bearer token for token-based kubeconfigs, the Services of type LoadBalancer (which become
// DigitalOcean load balancers), and the Monitoring Stack installer behind the `monitoring` 1-click.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { dirname, isAbsolute, join } from 'node:path';
import YAML from 'yaml';
import type { LbService } from './model';

export interface ClusterAccess {
  server: string;
  /** base64 PEM, as in certificate-authority-data */
  caData?: string;
  insecureSkipTlsVerify?: boolean;
  token: string;
}

export interface LabCluster {
  access(): ClusterAccess;
  loadBalancerServices(): Promise<LbService[]>;
  installMonitoring(): Promise<void>;
  /** Fails fast when the installer cannot be loaded, before a 1-click is accepted. */
  checkInstaller(): Promise<void>;
}

interface ServiceList {
  items: {
    metadata: { uid: string; name?: string; namespace?: string; creationTimestamp?: string; annotations?: Record<string, string> };
    spec?: { type?: string; ports?: { port: number; nodePort?: number; protocol?: string }[] };
    status?: { loadBalancer?: { ingress?: { ip?: string }[] } };
  }[];
}

function getJson(access: ClusterAccess, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const url = new URL(path, access.server);
    const req = https.request(
      url,
      {
        method: 'GET',
        headers: { authorization: `Bearer ${access.token}`, accept: 'application/json' },
        ca: access.caData ? Buffer.from(access.caData, 'base64') : undefined,
        rejectUnauthorized: !access.insecureSkipTlsVerify,
        timeout: 5000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) reject(new Error(`GET ${path}: HTTP ${res.statusCode} ${text.slice(0, 200)}`));
          else resolve(JSON.parse(text));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer within 5 s`)));
    req.on('error', reject);
    req.end();
  });
}

interface KubeconfigFile {
  'current-context'?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: { name: string; cluster: { server: string; 'certificate-authority-data'?: string; 'certificate-authority'?: string; 'insecure-skip-tls-verify'?: boolean } }[];
}

/** The cluster component's entry in <home>/state.json (see test/lab/cluster.ts, ClusterState). */
export function clusterState(home: string): Record<string, unknown> | undefined {
  const file = join(home, 'state.json');
  if (!existsSync(file)) return undefined;
  const state = JSON.parse(readFileSync(file, 'utf8')) as { components?: Record<string, Record<string, unknown>> };
  return state.components?.cluster;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v ? v : undefined);

/**
 * Server, CA and bearer token for token-based kubeconfigs: from the cluster component's state
 * (apiserverUrl, caCertPath, adminToken), else from the admin kubeconfig plus
 * SOCK_SHOP_LAB_CLUSTER_TOKEN.
 */
export function readAccess(kubeconfig: string, home: string): ClusterAccess {
  const cs = clusterState(home);
  const token = process.env.SOCK_SHOP_LAB_CLUSTER_TOKEN || str(cs?.adminToken);
  if (!token)
    throw new Error(`the lab cluster has no bearer token (components.cluster.adminToken in ${join(home, 'state.json')}): is the lab up?`);
  const server = str(cs?.apiserverUrl);
  const caPath = str(cs?.caCertPath);
  if (server && caPath) return { server, caData: readFileSync(caPath).toString('base64'), token };

  if (!existsSync(kubeconfig)) throw new Error(`the lab cluster's kubeconfig ${kubeconfig} does not exist: is the lab up?`);
  const kc = YAML.parse(readFileSync(kubeconfig, 'utf8')) as KubeconfigFile;
  const ctxName = kc['current-context'] ?? kc.contexts?.[0]?.name;
  const ctx = kc.contexts?.find((c) => c.name === ctxName);
  const cl = kc.clusters?.find((c) => c.name === ctx?.context.cluster) ?? kc.clusters?.[0];
  if (!cl) throw new Error(`${kubeconfig} names no cluster`);
  let caData = cl.cluster['certificate-authority-data'];
  const caFile = cl.cluster['certificate-authority'];
  if (!caData && caFile) {
    const path = isAbsolute(caFile) ? caFile : join(dirname(kubeconfig), caFile);
    caData = readFileSync(path).toString('base64');
  }
  return {
    server: cl.cluster.server,
    caData,
    insecureSkipTlsVerify: cl.cluster['insecure-skip-tls-verify'] === true ? true : undefined,
    token,
  };
}

export function labCluster(kubeconfig: string, home: string): LabCluster {
  let cache: { at: number; services: Promise<LbService[]> } | undefined;
  return {
    access: () => readAccess(kubeconfig, home),

    async loadBalancerServices() {
      // Several API calls in a row (list, then get) see one snapshot of the cluster.
      if (cache && Date.now() - cache.at < 500) return cache.services;
      const services = (async () => {
        // One GET with the lab's bearer token; client-node would triple the fake's memory for it.
        const list = (await getJson(readAccess(kubeconfig, home), '/api/v1/services')) as ServiceList;
        return list.items
          .filter((s) => s.spec?.type === 'LoadBalancer' && s.metadata?.uid)
          .map((s) => ({
            uid: s.metadata.uid,
            namespace: s.metadata.namespace ?? 'default',
            name: s.metadata.name ?? '',
            created: s.metadata.creationTimestamp ? new Date(s.metadata.creationTimestamp).getTime() : 0,
            ports: (s.spec?.ports ?? []).map((p) => ({ port: p.port, nodePort: p.nodePort, protocol: p.protocol ?? 'TCP' })),
            ip: s.status?.loadBalancer?.ingress?.[0]?.ip,
            // The id the lab's cloud controller (lb-controller.ts) gave the load balancer, as DOKS' does.
            lbId: s.metadata.annotations?.['kubernetes.digitalocean.com/load-balancer-id'],
          }));
      })();
      cache = { at: Date.now(), services };
      services.catch(() => {
        cache = undefined;
      });
      return services;
    },

    async checkInstaller() {
      if (!existsSync(MONITORING_MODULE)) throw new Error(`the lab's Monitoring Stack installer (${MONITORING_MODULE}) is not in this checkout`);
    },

    installMonitoring: () => runInstaller(kubeconfig),
  };
}

const MONITORING_MODULE = join(import.meta.dirname, '..', 'monitoring.ts');
const INSTALLER = join(import.meta.dirname, 'install-monitoring.ts');

/** installMonitoringStack() in a child process (same process group as the fake, so `lab down` ends it too). */
function runInstaller(kubeconfig: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', INSTALLER, kubeconfig], {
      cwd: join(import.meta.dirname, '..', '..', '..'),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-2000);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`installMonitoringStack failed (${signal ?? `exit ${code}`}): ${err.trim() || 'no message'}`)),
    );
  });
}
