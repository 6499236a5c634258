// The lab's Kubernetes cluster: a real kube-apiserver, kube-controller-manager, kube-scheduler and
// etcd run as plain processes by `kwokctl create cluster --runtime binary`, with kwok simulating the
// nodes and the pods' lifecycle (Deployments' pods go Running; a deleted pod's replacement does too)
// and metrics-server serving metrics.k8s.io from kwok's simulated kubelet endpoints.
//
// Every binary path is given to kwokctl, so it downloads nothing. The apiserver also accepts one
// static admin token (token-auth-file), so a DOKS-style token kubeconfig works. Any other bearer
// token goes to a webhook token authenticator (TokenReview v1) that the lab's DigitalOcean API serves
// on `tokenWebhookUrl`: the tokens in the kubeconfigs it hands out, each valid until its
// `expires_at`. Everything else (and every DigitalOcean token while that API is down) gets 401.
// The apiserver caches a successful review for SOCK_SHOP_LAB_TOKEN_CACHE_TTL seconds (default 10;
// kube-apiserver's own default is 2 minutes) and, besides, every successful token authentication for
// 10 s (a fixed option of kube-apiserver, not a flag): an expired token keeps working up to the larger
// of the two (measured: refused 8-11 s after expires_at).
//
// Knobs (environment):
//   SOCK_SHOP_LAB_NODES          fake nodes (default 2, like the workshop's smallest cluster)
//   SOCK_SHOP_LAB_NODE_CPU       each node's CPU (default "1")
//   SOCK_SHOP_LAB_NODE_MEMORY    each node's memory (default "2Gi")
//   SOCK_SHOP_LAB_NODE_PODS      each node's pod capacity (default "110")
//   SOCK_SHOP_LAB_APISERVER_PORT fixed apiserver port (default: a free one)
//   SOCK_SHOP_LAB_TOKEN_CACHE_TTL seconds the apiserver caches a token review (default 10)
//
// Simulated usage: each container uses the quantities in its pod's annotations
// `kwok.x-k8s.io/usage-cpu` / `kwok.x-k8s.io/usage-memory` when present, otherwise a share of its
// requests (or about 10m CPU / 48Mi without requests) with a little jitter, so `kubectl top pods`
// shows plausible, non-zero numbers.
//
// Port-forward through the apiserver to a pod: kwok's PortForward resources are served as CRDs here,
// so another lab part creates one at run time with `addPortForward()` below.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';
import YAML from 'yaml';
import type { ComponentState, LabComponent, LabContext } from './component.ts';
import { binaryPaths, missingBinaries } from './build.ts';
import { bundleDaemon } from './bundle.ts';
import { REPO_ROOT, VERSIONS } from './paths.ts';
import { SERVICE_CLUSTER_IP_RANGE } from './dataplane/addresses.ts';
import { spawnComponent } from './supervisor.ts';
import { assertPortFree, freePort, isAlive, startDaemon, stopPid, waitFor } from './proc.ts';

const execFileP = promisify(execFile);

export const CLUSTER_NAME = 'sock-shop-lab';
/**
 * kube-apiserver caches every successful token authentication this long (TokenSuccessCacheTTL, not a
 * flag), on top of the webhook's own cache: a webhook TTL below it changes nothing (the apiserver warns).
 */
export const APISERVER_TOKEN_CACHE_S = 10;
/** kwok's CRDs the lab serves, so they can be created at run time through the API. */
const KWOK_CRDS = ['Metric', 'ResourceUsage', 'ClusterResourceUsage', 'PortForward', 'ClusterPortForward', 'Logs', 'ClusterLogs', 'Exec', 'ClusterExec'];
const KWOK_GROUP = 'kwok.x-k8s.io';
const KWOK_VERSION = 'v1alpha1';
/** DigitalOcean's smallest size in the workshop; used as the nodes' instance-type label. */
const DEFAULT_SIZE_SLUG = 's-1vcpu-2gb';
export const NODE_POOL = 'lab-pool';

export interface ClusterOptions {
  nodes: number;
  nodeCpu: string;
  nodeMemory: string;
  nodePods: string;
  apiserverPort?: number;
  /** --authentication-token-webhook-cache-ttl, in seconds. */
  tokenCacheTtlSeconds: number;
}

export function clusterOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): ClusterOptions {
  const nodes = Number(env.SOCK_SHOP_LAB_NODES ?? 2);
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 10_000) {
    throw new Error(`SOCK_SHOP_LAB_NODES must be an integer from 1 to 10000 (got "${env.SOCK_SHOP_LAB_NODES}")`);
  }
  const port = env.SOCK_SHOP_LAB_APISERVER_PORT ? Number(env.SOCK_SHOP_LAB_APISERVER_PORT) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new Error(`SOCK_SHOP_LAB_APISERVER_PORT must be a TCP port (got "${env.SOCK_SHOP_LAB_APISERVER_PORT}")`);
  }
  const ttl = Number(env.SOCK_SHOP_LAB_TOKEN_CACHE_TTL ?? APISERVER_TOKEN_CACHE_S);
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > 600) {
    throw new Error(`SOCK_SHOP_LAB_TOKEN_CACHE_TTL must be whole seconds from 0 to 600 (got "${env.SOCK_SHOP_LAB_TOKEN_CACHE_TTL}")`);
  }
  return {
    tokenCacheTtlSeconds: ttl,
    nodes,
    nodeCpu: env.SOCK_SHOP_LAB_NODE_CPU || '1',
    nodeMemory: env.SOCK_SHOP_LAB_NODE_MEMORY || '2Gi',
    nodePods: env.SOCK_SHOP_LAB_NODE_PODS || '110',
    apiserverPort: port,
  };
}

/** What the cluster component keeps in state.json (besides pids and urls). */
export interface ClusterState extends ComponentState {
  kubeconfig: string;
  /** Kubeconfig that authenticates with the static admin token instead of a client certificate. */
  tokenKubeconfig: string;
  apiserverUrl: string;
  apiserverPort: number;
  adminToken: string;
  tokenFile: string;
  caCertPath: string;
  /** kwok's simulated kubelet server (Metric paths like /metrics/nodes/<node>/metrics/resource). */
  kwokControllerUrl: string;
  kwokWorkdir: string;
  clusterDir: string;
  nodes: string[];
  /**
   * Where the apiserver sends TokenReviews for tokens it does not know (the lab's DigitalOcean API
   * listens there), and how long it caches a successful one (--authentication-token-webhook-cache-ttl;
   * the apiserver's own 10 s cache of successful authentications comes on top, APISERVER_TOKEN_CACHE_S).
   */
  tokenWebhookUrl: string;
  tokenWebhookPort: number;
  tokenCacheTtlSeconds: number;
  /** The supervisor's status file (restart counts of kube-controller-manager and kube-scheduler). */
  supervisorStatus: string;
}

function kwokWorkdir(home: string): string {
  return join(home, 'kwok');
}
function clusterDir(home: string): string {
  return join(kwokWorkdir(home), 'clusters', CLUSTER_NAME);
}

/**
 * The directory first on kwok's PATH: the lab's `kill` (dataplane/kill-shim.sh), so a `kill 1` through
 * kwok's exec kills a lab container's PID 1, never this machine's.
 */
function shimDir(home: string): string {
  return join(home, 'shims');
}

function installShims(home: string): void {
  mkdirSync(shimDir(home), { recursive: true });
  copyFileSync(join(import.meta.dirname, 'dataplane', 'kill-shim.sh'), join(shimDir(home), 'kill'));
  chmodSync(join(shimDir(home), 'kill'), 0o755);
}

function kwokctlEnv(ctx: LabContext): NodeJS.ProcessEnv {
  // kwokctl looks kubectl up on PATH before its own config, so the built one goes first; the components it
  // starts (kwok's exec among them) inherit this PATH, the shims before everything.
  return { ...process.env, KWOK_WORKDIR: kwokWorkdir(ctx.home), PATH: `${shimDir(ctx.home)}:${ctx.bin}:${process.env.PATH ?? ''}` };
}

async function kwokctl(ctx: LabContext, args: string[], logFile: string, timeoutMs = 180_000): Promise<void> {
  const bin = join(ctx.bin, 'kwokctl');
  try {
    const { stdout, stderr } = await execFileP(bin, ['--name', CLUSTER_NAME, ...args], {
      env: kwokctlEnv(ctx),
      timeout: timeoutMs,
      maxBuffer: 64 * 1024 * 1024,
    });
    writeFileSync(logFile, `$ kwokctl ${args.join(' ')}\n${stdout}${stderr}\n`, { flag: 'a' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    writeFileSync(logFile, `$ kwokctl ${args.join(' ')}\n${e.stdout ?? ''}${e.stderr ?? ''}\n`, { flag: 'a' });
    const out = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim().split('\n').slice(-15).join('\n');
    throw new Error(`kwokctl ${args.slice(0, 2).join(' ')} failed: ${e.message.split('\n')[0]}\n${out}`);
  }
}

/** Pids of the cluster's processes as kwokctl recorded them (component name → pid). */
export function componentPids(home: string): Record<string, number> {
  return pidsIn(clusterDir(home));
}

function pidsIn(clusterDirectory: string): Record<string, number> {
  const dir = join(clusterDirectory, 'pids');
  const pids: Record<string, number> = {};
  if (!existsSync(dir)) return pids;
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.pid')) continue;
    const pid = Number(readFileSync(join(dir, f), 'utf8').trim());
    if (pid > 0) pids[f.slice(0, -4)] = pid;
  }
  return pids;
}

/** Ports for every component, so parallel labs (other checkouts, CI) don't race for kwokctl's defaults. */
async function pickPorts(opts: ClusterOptions): Promise<Record<string, number>> {
  const names = ['etcdPort', 'etcdPeerPort', 'kwokControllerPort', 'metricsServerPort', 'kubeControllerManagerPort', 'kubeSchedulerPort', 'tokenWebhookPort'];
  const ports: Record<string, number> = {};
  const taken = new Set<number>(opts.apiserverPort ? [opts.apiserverPort] : []);
  for (const n of [...names, ...(opts.apiserverPort ? [] : ['kubeApiserverPort'])]) {
    let p = await freePort();
    while (taken.has(p)) p = await freePort();
    taken.add(p);
    ports[n] = p;
  }
  if (opts.apiserverPort) ports.kubeApiserverPort = opts.apiserverPort;
  return ports;
}

/** Path the apiserver POSTs TokenReviews to, on tokenWebhookPort. */
export const TOKEN_WEBHOOK_PATH = '/authenticate';

/** The webhook's kubeconfig-format config file (--authentication-token-webhook-config-file). */
function tokenWebhookConfig(url: string): string {
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'digitalocean-token-review', cluster: { server: url } }],
    users: [{ name: 'kube-apiserver', user: {} }],
    contexts: [{ name: 'webhook', context: { cluster: 'digitalocean-token-review', user: 'kube-apiserver' } }],
    'current-context': 'webhook',
  });
}

function kwokctlConfig(ctx: LabContext, opts: ClusterOptions, tokenFile: string, webhookConfig: string, ports: Record<string, number>): string {
  const b = binaryPaths(ctx.bin);
  const options: Record<string, unknown> = {
    runtime: 'binary',
    bindAddress: '127.0.0.1',
    kubeVersion: `v${VERSIONS.kubernetes}`,
    metricsServerVersion: `v${VERSIONS.metricsServer}`,
    kubeApiserverBinary: b['kube-apiserver'],
    kubeControllerManagerBinary: b['kube-controller-manager'],
    kubeSchedulerBinary: b['kube-scheduler'],
    kubectlBinary: b.kubectl,
    kwokControllerBinary: b.kwok,
    etcdBinary: b.etcd,
    metricsServerBinary: b['metrics-server'],
    enable: ['metrics-server'],
    enableCRDs: KWOK_CRDS,
    // Thousands of pods for benchmarks: the controllers must not throttle themselves.
    disableQPSLimits: true,
  };
  const { tokenWebhookPort: _webhook, ...kwokPorts } = ports;
  Object.assign(options, kwokPorts);
  const doc = {
    apiVersion: 'config.kwok.x-k8s.io/v1alpha1',
    kind: 'KwokctlConfiguration',
    options,
    componentsPatches: [
      {
        name: 'kube-apiserver',
        extraArgs: [
          { key: 'token-auth-file', value: tokenFile },
          // Service ClusterIPs on loopback (dataplane/addresses.ts); the lab proxy listens on them.
          { key: 'service-cluster-ip-range', value: SERVICE_CLUSTER_IP_RANGE },
          { key: 'authentication-token-webhook-config-file', value: webhookConfig },
          { key: 'authentication-token-webhook-version', value: 'v1' },
          { key: 'authentication-token-webhook-cache-ttl', value: `${opts.tokenCacheTtlSeconds}s` },
        ],
      },
      // Simulated kubelets answer on loopback; nodes report it as their InternalIP.
      { name: 'kwok-controller', extraArgs: [{ key: 'node-ip', value: '127.0.0.1' }] },
      // metrics-server's shortest resolution (it must exceed the scrape timeout): `kubectl top`
      // has numbers ~20 s after a pod starts.
      {
        name: 'metrics-server',
        extraArgs: [
          { key: 'metric-resolution', value: '10s', override: true },
          { key: 'kubelet-request-timeout', value: '5s' },
        ],
      },
    ],
  };
  return YAML.stringify(doc);
}

/** kubeconfig YAML that reaches the lab apiserver with a bearer token (like DOKS's kubeconfigs). */
export function tokenKubeconfigYaml(state: Pick<ClusterState, 'apiserverUrl' | 'caCertPath'>, token: string, name = CLUSTER_NAME): string {
  const ca = readFileSync(state.caCertPath).toString('base64');
  return YAML.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: state.apiserverUrl, 'certificate-authority-data': ca } }],
    users: [{ name: `${name}-admin`, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin` } }],
    'current-context': name,
  });
}

function kubeClient(kubeconfig: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc;
}

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  });
  await Promise.all(workers);
}

function isConflict(err: unknown): boolean {
  const code = (err as { code?: number }).code;
  return code === 409;
}

export function nodeNames(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${NODE_POOL}-${String(i + 1).padStart(count > 99 ? 4 : 2, '0')}`);
}

/**
 * Each node gets its own /24 for pod IPs, as DOKS does (10.244.0.0/16 first). These stay in the API only
 * (Kubernetes rejects loopback endpoints); the data plane binds and dials them mapped to 127.244.x.y
 * (dataplane/addresses.ts), never at 10.x.
 */
function podCidr(index: number): string {
  return `10.${(244 + Math.floor(index / 256)) % 256}.${index % 256}.0/24`;
}

function nodeObject(name: string, index: number, opts: ClusterOptions): k8s.V1Node {
  const resources = { cpu: opts.nodeCpu, memory: opts.nodeMemory, pods: opts.nodePods, 'ephemeral-storage': '50Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name,
      annotations: {
        // kwok-controller manages nodes carrying this annotation (kwokctl's selector).
        'kwok.x-k8s.io/node': 'fake',
        'node.alpha.kubernetes.io/ttl': '0',
        // metrics-server scrapes this path of the node's kubelet endpoint (served by kwok).
        'metrics.k8s.io/resource-metrics-path': `/metrics/nodes/${name}/metrics/resource`,
      },
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': name,
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'node.kubernetes.io/instance-type': DEFAULT_SIZE_SLUG,
        'doks.digitalocean.com/node-pool': NODE_POOL,
        type: 'kwok',
      },
    },
    spec: { podCIDR: podCidr(index), podCIDRs: [podCidr(index)] },
    status: {
      allocatable: resources,
      capacity: resources,
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        kubeletVersion: `v${VERSIONS.kubernetes}`,
        kubeProxyVersion: `v${VERSIONS.kubernetes}`,
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        containerRuntimeVersion: `kwok://v${VERSIONS.kwok}`,
        kernelVersion: 'kwok',
        bootID: '',
        machineID: '',
        systemUUID: '',
      },
    },
  };
}

/** kubelet's /metrics/resource, as kwok serves it to metrics-server from the simulated usage. */
function resourceMetric(): Record<string, unknown> {
  const containerLabels = [
    { name: 'container', value: 'container.name' },
    { name: 'namespace', value: 'pod.metadata.namespace' },
    { name: 'pod', value: 'pod.metadata.name' },
  ];
  const podLabels = containerLabels.slice(1);
  return {
    apiVersion: `${KWOK_GROUP}/${KWOK_VERSION}`,
    kind: 'Metric',
    metadata: { name: 'metrics-resource' },
    spec: {
      path: '/metrics/nodes/{nodeName}/metrics/resource',
      metrics: [
        { name: 'scrape_error', dimension: 'node', kind: 'gauge', help: 'scrape error', value: '0' },
        { name: 'container_start_time_seconds', dimension: 'container', kind: 'gauge', help: 'container start time', labels: containerLabels, value: 'pod.SinceSecond()' },
        { name: 'container_cpu_usage_seconds_total', dimension: 'container', kind: 'counter', help: 'container cpu', labels: containerLabels, value: 'pod.CumulativeUsage("cpu", container.name)' },
        { name: 'container_memory_working_set_bytes', dimension: 'container', kind: 'gauge', help: 'container memory', labels: containerLabels, value: 'pod.Usage("memory", container.name)' },
        { name: 'pod_cpu_usage_seconds_total', dimension: 'pod', kind: 'counter', help: 'pod cpu', labels: podLabels, value: 'pod.CumulativeUsage("cpu")' },
        { name: 'pod_memory_working_set_bytes', dimension: 'pod', kind: 'gauge', help: 'pod memory', labels: podLabels, value: 'pod.Usage("memory")' },
        { name: 'node_cpu_usage_seconds_total', dimension: 'node', kind: 'counter', help: 'node cpu', value: 'node.CumulativeUsage("cpu")' },
        { name: 'node_memory_working_set_bytes', dimension: 'node', kind: 'gauge', help: 'node memory', value: 'node.Usage("memory")' },
      ],
    },
  };
}

export const USAGE_CPU_ANNOTATION = 'kwok.x-k8s.io/usage-cpu';
export const USAGE_MEMORY_ANNOTATION = 'kwok.x-k8s.io/usage-memory';

/**
 * Every container's simulated usage: its pod's annotation when present; else a share of its
 * request (20-30 % of the CPU request, 55-65 % of the memory request), as a service idling under
 * light traffic shows; else about 10m / 48Mi. The jitter makes charts look alive.
 */
function defaultUsage(): Record<string, unknown> {
  const expr = (resource: string, annotation: string, share: string, fallback: string, jitter: string) =>
    `"${annotation}" in pod.metadata.annotations ? Quantity(pod.metadata.annotations["${annotation}"]) : ` +
    `"${resource}" in container.resources.requests ? container.resources.requests["${resource}"] * (${share}) : ` +
    `Quantity("${fallback}") * (${jitter})`;
  return {
    apiVersion: `${KWOK_GROUP}/${KWOK_VERSION}`,
    kind: 'ClusterResourceUsage',
    metadata: { name: 'lab-default-usage' },
    spec: {
      usages: [
        {
          usage: {
            cpu: { expression: expr('cpu', USAGE_CPU_ANNOTATION, '0.2 + 0.1 * Rand()', '10m', '0.8 + 0.4 * Rand()') },
            memory: { expression: expr('memory', USAGE_MEMORY_ANNOTATION, '0.55 + 0.1 * Rand()', '48Mi', '0.95 + 0.1 * Rand()') },
          },
        },
      ],
    },
  };
}

async function createClusterObject(kc: k8s.KubeConfig, plural: string, body: Record<string, unknown>): Promise<void> {
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  try {
    await api.createClusterCustomObject({ group: KWOK_GROUP, version: KWOK_VERSION, plural, body });
  } catch (err) {
    if (!isConflict(err)) throw err;
  }
}

export interface PortForwardSpec {
  namespace: string;
  /** The pod's name: kwok matches a PortForward to the pod of the same name and namespace. */
  pod: string;
  /** Ports a client asks for (e.g. 9090 for `kubectl port-forward pod/x 9090`). */
  ports: number[];
  /** Where kwok sends the forwarded connection, e.g. a real Prometheus on 127.0.0.1:19090. */
  target: { address: string; port: number };
}

/**
 * Makes `port-forward` to a simulated pod (through the apiserver, as kubectl and client-node do)
 * reach a real process on loopback. Idempotent.
 */
export async function addPortForward(kubeconfig: string, spec: PortForwardSpec): Promise<void> {
  const api = kubeClient(kubeconfig).makeApiClient(k8s.CustomObjectsApi);
  const body = {
    apiVersion: `${KWOK_GROUP}/${KWOK_VERSION}`,
    kind: 'PortForward',
    metadata: { name: spec.pod, namespace: spec.namespace },
    spec: { forwards: [{ ports: spec.ports, target: spec.target }] },
  };
  try {
    await api.createNamespacedCustomObject({ group: KWOK_GROUP, version: KWOK_VERSION, namespace: spec.namespace, plural: 'portforwards', body });
  } catch (err) {
    if (!isConflict(err)) throw err;
    const existing = await api.getNamespacedCustomObject({ group: KWOK_GROUP, version: KWOK_VERSION, namespace: spec.namespace, plural: 'portforwards', name: spec.pod });
    await api.replaceNamespacedCustomObject({
      group: KWOK_GROUP, version: KWOK_VERSION, namespace: spec.namespace, plural: 'portforwards', name: spec.pod,
      body: { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata.resourceVersion } },
    });
  }
}

/**
 * Same for every pod matching a selector (pods of a Deployment get new names when replaced), as a
 * cluster-scoped ClusterPortForward. `namespaces`/`names` narrow it like kwok's ObjectSelector.
 */
export async function addClusterPortForward(
  kubeconfig: string,
  name: string,
  selector: { namespaces?: string[]; names?: string[] },
  forwards: { ports: number[]; target: { address: string; port: number } }[],
): Promise<void> {
  const kc = kubeClient(kubeconfig);
  const body = {
    apiVersion: `${KWOK_GROUP}/${KWOK_VERSION}`,
    kind: 'ClusterPortForward',
    metadata: { name },
    spec: {
      selector: { matchNamespaces: selector.namespaces, matchNames: selector.names },
      forwards,
    },
  };
  const api = kc.makeApiClient(k8s.CustomObjectsApi);
  try {
    await api.createClusterCustomObject({ group: KWOK_GROUP, version: KWOK_VERSION, plural: 'clusterportforwards', body });
  } catch (err) {
    if (!isConflict(err)) throw err;
    // The target may have moved (a restarted lab part on another port): replace it.
    const existing = await api.getClusterCustomObject({ group: KWOK_GROUP, version: KWOK_VERSION, plural: 'clusterportforwards', name });
    await api.replaceClusterCustomObject({
      group: KWOK_GROUP, version: KWOK_VERSION, plural: 'clusterportforwards', name,
      body: { ...body, metadata: { ...body.metadata, resourceVersion: existing.metadata.resourceVersion } },
    });
  }
}

async function apiserverAnswers(url: string, token: string): Promise<boolean> {
  // The apiserver's certificate is signed by kwokctl's own CA; readiness only needs an answer.
  const res = await fetchInsecure(`${url}/readyz`, token);
  return res === 200;
}

/** GET over https to the loopback apiserver, not verifying its self-made certificate. */
async function fetchInsecure(url: string, token: string): Promise<number> {
  const https = await import('node:https');
  return new Promise((resolve, reject) => {
    const req = https.get(url, { rejectUnauthorized: false, headers: { Authorization: `Bearer ${token}` }, timeout: 3_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/**
 * The cluster's processes now: kwokctl's pid files (the supervisor rewrites them when it restarts a
 * component) over the pids recorded at start, plus the supervisor.
 */
export function liveClusterPids(state: ClusterState): Record<string, number> {
  return { ...state.pids, ...(state.clusterDir ? pidsIn(state.clusterDir) : {}) };
}

/** True when every recorded process lives and the apiserver answers. */
export async function clusterHealthy(state: ClusterState | undefined): Promise<boolean> {
  if (!state || !state.apiserverUrl) return false;
  if (!Object.values(liveClusterPids(state)).every((pid) => isAlive(pid) && belongsTo(pid, state.clusterDir))) return false;
  try {
    return await apiserverAnswers(state.apiserverUrl, state.adminToken);
  } catch {
    return false;
  }
}

async function createCluster(ctx: LabContext, opts: ClusterOptions): Promise<ClusterState> {
  const dir = join(ctx.home, 'cluster');
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'kwokctl.log');
  const missing = missingBinaries(ctx.bin);
  if (missing.length) {
    throw new Error(
      `lab binaries missing from ${ctx.bin}: ${missing.join(', ')}. Build them with ` +
        '`node --import tsx test/lab/build.ts` (or `npm run lab`, which builds first).',
    );
  }
  if (opts.apiserverPort) {
    await assertPortFree(opts.apiserverPort, 'the lab kube-apiserver').catch((err: Error) => {
      throw new Error(`${err.message} (It comes from SOCK_SHOP_LAB_APISERVER_PORT; unset it to use a free port.)`);
    });
  }

  // A leftover cluster dir from a crashed run would make kwokctl reuse stale pids: clear it first.
  if (existsSync(clusterDir(ctx.home))) {
    pruneStalePidFiles(ctx.home);
    await kwokctl(ctx, ['delete', 'cluster', '--kubeconfig', ctx.kubeconfig], logFile).catch(() => undefined);
    rmSync(clusterDir(ctx.home), { recursive: true, force: true });
  }
  rmSync(ctx.kubeconfig, { force: true });

  const adminToken = randomBytes(24).toString('hex');
  const tokenFile = join(dir, 'tokens.csv');
  // token,user,uid,"groups": the admin token is a cluster admin, as a DOKS kubeconfig's token is.
  writeFileSync(tokenFile, `${adminToken},lab-admin,lab-admin,"system:masters"\n`, { mode: 0o600 });
  const ports = await pickPorts(opts);
  const tokenWebhookUrl = `http://127.0.0.1:${ports.tokenWebhookPort}${TOKEN_WEBHOOK_PATH}`;
  const webhookConfig = join(dir, 'token-webhook.kubeconfig');
  writeFileSync(webhookConfig, tokenWebhookConfig(tokenWebhookUrl), { mode: 0o600 });
  const configFile = join(dir, 'kwokctl.yaml');
  writeFileSync(configFile, kwokctlConfig(ctx, opts, tokenFile, webhookConfig, ports));

  installShims(ctx.home);
  ctx.log(`creating the Kubernetes cluster (kwokctl, ${opts.nodes} node${opts.nodes === 1 ? '' : 's'})`);
  await kwokctl(ctx, ['create', 'cluster', '--config', configFile, '--kubeconfig', ctx.kubeconfig, '--wait', '90s'], logFile);

  const conf = YAML.parseAllDocuments(readFileSync(join(clusterDir(ctx.home), 'kwok.yaml'), 'utf8'))
    .map((d) => d.toJS())
    .find((d) => d?.kind === 'KwokctlConfiguration');
  const port = Number(conf?.options?.kubeApiserverPort);
  const kwokPort = Number(conf?.options?.kwokControllerPort);
  if (!port) throw new Error(`kwokctl did not record the apiserver port in ${join(clusterDir(ctx.home), 'kwok.yaml')}`);
  const state: ClusterState = {
    pids: componentPids(ctx.home),
    urls: { apiserver: `https://127.0.0.1:${port}` },
    kubeconfig: ctx.kubeconfig,
    tokenKubeconfig: join(ctx.home, 'kubeconfig-token'),
    apiserverUrl: `https://127.0.0.1:${port}`,
    apiserverPort: port,
    adminToken,
    tokenFile,
    caCertPath: join(clusterDir(ctx.home), 'pki', 'ca.crt'),
    kwokControllerUrl: kwokPort ? `https://127.0.0.1:${kwokPort}` : '',
    kwokWorkdir: kwokWorkdir(ctx.home),
    clusterDir: clusterDir(ctx.home),
    nodes: nodeNames(opts.nodes),
    tokenWebhookUrl,
    tokenWebhookPort: ports.tokenWebhookPort,
    tokenCacheTtlSeconds: opts.tokenCacheTtlSeconds,
    supervisorStatus: supervisorStatusFile(ctx.home),
  };
  writeFileSync(state.tokenKubeconfig, tokenKubeconfigYaml(state, adminToken), { mode: 0o600 });

  const kc = kubeClient(ctx.kubeconfig);
  await createClusterObject(kc, 'metrics', resourceMetric());
  await createClusterObject(kc, 'clusterresourceusages', defaultUsage());

  const core = kc.makeApiClient(k8s.CoreV1Api);
  await mapLimit(state.nodes.map((name, i) => ({ name, i })), 20, async ({ name, i }) => {
    try {
      await core.createNode({ body: nodeObject(name, i, opts) });
    } catch (err) {
      if (!isConflict(err)) throw err;
    }
  });
  // Every process kwokctl started must still live (a bad flag makes one exit right away).
  let dead = Object.entries(componentPids(ctx.home)).filter(([, pid]) => !isAlive(pid));
  // Under load kwokctl can start metrics-server before its kube-apiserver answers; metrics-server then exits
  // at once ("connection refused" reading extension-apiserver-authentication). The apiserver answers now
  // (kwokctl waited for it): start metrics-server again with kwokctl's arguments, once.
  if (dead.length === 1 && dead[0][0] === 'metrics-server' && (await apiserverAnswers(state.apiserverUrl, adminToken).catch(() => false))) {
    const msLog = join(clusterDir(ctx.home), 'logs', 'metrics-server.log');
    const early = existsSync(msLog) && /connection refused/.test(readFileSync(msLog, 'utf8'));
    if (early) {
      ctx.log('metrics-server exited before its kube-apiserver answered (a kwokctl start-up race): starting it again');
      await restartComponent(ctx.home, 'metrics-server');
      await new Promise((r) => setTimeout(r, 2_000));
      state.pids = componentPids(ctx.home);
      dead = Object.entries(state.pids).filter(([, pid]) => !isAlive(pid));
    }
  }
  if (dead.length) {
    const [name] = dead[0];
    const log = join(clusterDir(ctx.home), 'logs', `${name}.log`);
    const tail = existsSync(log) ? readFileSync(log, 'utf8').trimEnd().split('\n').slice(-10).join('\n') : '';
    throw new Error(`${dead.map(([n]) => n).join(', ')} exited right after start.\n--- last lines of ${log} ---\n${tail}`);
  }
  await waitFor(
    'the metrics API (APIService v1beta1.metrics.k8s.io Available)',
    async () => {
      const svc = await kc.makeApiClient(k8s.ApiregistrationV1Api).readAPIService({ name: 'v1beta1.metrics.k8s.io' });
      return !!svc.status?.conditions?.some((c) => c.type === 'Available' && c.status === 'True');
    },
    60_000,
    join(clusterDir(ctx.home), 'logs', 'metrics-server.log'),
  );
  await waitFor(
    `${opts.nodes} lab node(s) Ready`,
    async () => {
      const list = await core.listNode({ labelSelector: 'type=kwok' });
      const ready = list.items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'));
      return ready.length >= opts.nodes;
    },
    60_000 + opts.nodes * 50,
  );
  // A new cluster's restart counts start at zero (a repair keeps them).
  rmSync(supervisorStatusFile(ctx.home), { force: true });
  state.pids.supervisor = await startSupervisor(ctx.home);
  return state;
}

// --- supervision of kube-controller-manager and kube-scheduler (test/lab/supervisor.ts) ---------

function supervisorStatusFile(home: string): string {
  return join(home, 'cluster', 'supervisor.json');
}

/** Starts the supervisor process (bundled); its command line names the cluster dir, so belongsTo() knows it. */
async function startSupervisor(home: string): Promise<number> {
  const script = await bundleDaemon(join(import.meta.dirname, 'supervisor.ts'), join(home, 'cluster', 'supervisor.mjs'));
  return startDaemon(process.execPath, [script, clusterDir(home), supervisorStatusFile(home)], {
    cwd: REPO_ROOT,
    logFile: join(home, 'cluster', 'supervisor.log'),
  });
}

/** Stops the supervisor first whenever kwokctl is about to stop or start components itself. */
async function stopSupervisor(home: string, state: ComponentState | undefined): Promise<void> {
  const candidates = new Set<number>();
  if (state?.pids?.supervisor) candidates.add(state.pids.supervisor);
  try {
    const st = JSON.parse(readFileSync(supervisorStatusFile(home), 'utf8')) as { pid?: number };
    if (st.pid) candidates.add(st.pid);
  } catch {
    /* no status yet */
  }
  for (const pid of candidates) if (isAlive(pid) && belongsTo(pid, clusterDir(home))) await stopPid(pid);
}

/** True when the process's command line mentions dir (every cluster process has its files there). */
function belongsTo(pid: number, dir: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
  } catch {
    return false;
  }
}

/**
 * Removes pid files whose process is gone or is no longer this cluster's (after a reboot the numbers
 * get reused), so kwokctl's own stop/start never signals an unrelated process.
 */
function pruneStalePidFiles(home: string): void {
  const dir = join(clusterDir(home), 'pids');
  for (const [name, pid] of Object.entries(componentPids(home))) {
    if (!isAlive(pid) || !belongsTo(pid, clusterDir(home))) rmSync(join(dir, `${name}.pid`), { force: true });
  }
}

async function deleteCluster(ctx: LabContext, state: ComponentState | undefined): Promise<void> {
  const logFile = join(ctx.home, 'cluster', 'kwokctl.log');
  mkdirSync(join(ctx.home, 'cluster'), { recursive: true });
  // Nothing may start components again while kwokctl stops them.
  await stopSupervisor(ctx.home, state);
  const known = { ...(state?.pids ?? {}), ...componentPids(ctx.home) };
  if (existsSync(clusterDir(ctx.home))) {
    pruneStalePidFiles(ctx.home);
    await kwokctl(ctx, ['delete', 'cluster', '--kubeconfig', ctx.kubeconfig], logFile).catch((err: Error) =>
      ctx.log(`kwokctl delete cluster: ${err.message.split('\n')[0]}; stopping its processes by pid`),
    );
  }
  // Whatever kwokctl could not stop (e.g. an apiserver restarted by the lab) ends by its recorded
  // pid — only while that pid is still one of this cluster's processes (after a reboot it may not be).
  for (const pid of Object.values(known)) if (belongsTo(pid, clusterDir(ctx.home))) await stopPid(pid);
  rmSync(clusterDir(ctx.home), { recursive: true, force: true });
  rmSync(ctx.kubeconfig, { force: true });
  rmSync(join(ctx.home, 'kubeconfig-token'), { force: true });
}

export const clusterComponent: LabComponent = {
  name: 'cluster',
  async start(ctx) {
    const opts = clusterOptionsFromEnv();
    try {
      return await createCluster(ctx, opts);
    } catch (err) {
      // Leave nothing behind when the cluster could not come up.
      await deleteCluster(ctx, undefined).catch(() => undefined);
      throw err;
    }
  },
  async stop(ctx, state) {
    await deleteCluster(ctx, state);
  },
};

// --- fault injection: stop and start the kube-apiserver process ---------------------------------

/**
 * Starts component `name` again with exactly the arguments kwokctl gave it, recording the new pid where
 * kwokctl keeps it (so `kwokctl delete cluster` still ends it). Its output goes on in its log.
 */
async function restartComponent(home: string, name: string): Promise<number> {
  if (!existsSync(join(clusterDir(home), 'kwok.yaml'))) throw new Error(`no lab cluster in ${clusterDir(home)}: run \`npm run lab -- up\` first`);
  return spawnComponent(clusterDir(home), name);
}

function apiserverPidFile(home: string): string {
  return join(clusterDir(home), 'pids', 'kube-apiserver.pid');
}

/** Kills the lab's kube-apiserver (SIGKILL, like a crash) and waits until it is gone. */
export async function stopApiserver(home: string): Promise<number | undefined> {
  const pidFile = apiserverPidFile(home);
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
  if (!pid || !isAlive(pid) || !belongsTo(pid, clusterDir(home))) return undefined;
  process.kill(pid, 'SIGKILL');
  await waitFor('kube-apiserver to exit', () => !isAlive(pid), 10_000);
  return pid;
}

/**
 * Starts the kube-apiserver again with exactly the arguments kwokctl gave it, recording the new pid
 * where kwokctl keeps it (so `kwokctl delete cluster` still ends it). Resolves once /readyz is 200.
 */
export async function startApiserver(home: string, adminToken: string, apiserverUrl: string): Promise<number> {
  const pidFile = apiserverPidFile(home);
  const old = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : undefined;
  if (old && isAlive(old) && belongsTo(old, clusterDir(home))) return old;
  const pid = await restartComponent(home, 'kube-apiserver');
  const logFile = join(clusterDir(home), 'logs', 'kube-apiserver.log');
  await waitFor('kube-apiserver to answer /readyz', () => apiserverAnswers(apiserverUrl, adminToken), 60_000, logFile);
  return pid;
}

/**
 * Brings back a cluster whose processes partly died (a stopped apiserver, a reboot) with
 * `kwokctl start cluster`, which starts only the components that are not running and keeps etcd's
 * data. Returns the refreshed state, or undefined when the cluster needs to be created anew.
 */
export async function repairCluster(ctx: LabContext, state: ClusterState): Promise<ClusterState | undefined> {
  if (!existsSync(join(clusterDir(ctx.home), 'kwok.yaml'))) return undefined;
  const logFile = join(ctx.home, 'cluster', 'kwokctl.log');
  // kwokctl starts what is not running; the supervisor must not race it for the same components.
  await stopSupervisor(ctx.home, state);
  pruneStalePidFiles(ctx.home);
  try {
    await kwokctl(ctx, ['start', 'cluster'], logFile);
  } catch (err) {
    ctx.log(`kwokctl start cluster: ${(err as Error).message.split('\n')[0]}`);
    return undefined;
  }
  const repaired: ClusterState = {
    ...state,
    pids: { ...componentPids(ctx.home), supervisor: await startSupervisor(ctx.home) },
    supervisorStatus: supervisorStatusFile(ctx.home),
  };
  try {
    await waitFor('the repaired cluster', () => clusterHealthy(repaired), 60_000);
  } catch {
    return undefined;
  }
  return repaired;
}
