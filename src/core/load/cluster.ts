// Distributed load from inside the cluster: a Locust master and N workers (official image), the locustfile in
// a ConfigMap, started through the master's web API once every worker has connected, observed through the
// apiserver's service proxy (GET /stats/requests), and removed afterwards.
import { AppsV1Api, CoreV1Api, type KubeConfig, type V1ConfigMap, type V1Deployment, type V1Service } from '@kubernetes/client-node';
import { CancelledError, UserError } from '../errors';
import { FLOWS } from './flows';
import { mapLocustStats, pollLocust, type LocustStatsJson } from './locust-stats';
import type { FlowName, LiveStats } from './types';
import { apiClient } from '../kube/client';
import { kubeRequest } from '../kube/http';

export const LOCUST_IMAGE = 'locustio/locust:2.20.0';
export const LOCUST_NAME = 'sockshop-locust';
const MANAGED_BY = 'sock-shop-lab';
const WEB_PORT = 8089;
const MASTER_PORT = 5557;

export interface LocustfileOptions {
  flow: FlowName;
  waitSeconds: [number, number];
}

/** The locustfile for a built-in flow (Locust 2.x). */
export function buildLocustfile(o: LocustfileOptions): string {
  const [a, b] = o.waitSeconds;
  if (o.flow === 'index') {
    return [
      '# The workshop\'s locustfile, in Locust 2 form.',
      'from locust import FastHttpUser, task, between',
      '',
      '',
      'class WebsiteUser(FastHttpUser):',
      `    wait_time = between(${a}, ${b})`,
      '',
      '    @task',
      '    def index(self):',
      '        self.client.get("/")',
      '',
    ].join('\n');
  }
  // The same shopper as the engine's "sockshop" flow (src/core/load/flows.ts): own account, orders under 100.
  const sockshop = FLOWS.sockshop.tasks.map((t) => `${t.name}:${t.weight}`).join(', ');
  return [
    `# Sock Shop shopper (${sockshop}). Each user registers its own account; orders hold one item whose`,
    '# price plus shipping stays within the payment service\'s limit of 100.',
    'import random',
    'import uuid',
    'from locust import HttpUser, task, between',
    '',
    'SHIPPING = 4.99',
    'LIMIT = 100',
    '',
    '',
    'class Shopper(HttpUser):',
    `    wait_time = between(${a}, ${b})`,
    '',
    '    def on_start(self):',
    '        self.username = "load-" + uuid.uuid4().hex[:12]',
    '        self.password = "pw-" + uuid.uuid4().hex[:12]',
    '        r = self.client.post("/register", json={"username": self.username, "password": self.password,',
    '                             "email": self.username + "@example.com", "firstName": "Load", "lastName": "User"})',
    '        if r.status_code != 200:',
    '            self.client.get("/login", auth=(self.username, self.password))',
    '        self.client.post("/addresses", json={"number": "1", "street": "Load Street", "city": "Testville",',
    '                         "postcode": "00000", "country": "Nowhere"})',
    '        self.client.post("/cards", json={"longNum": "4111111111111111", "expires": "12/30", "ccv": "123"})',
    '        tags = self.client.get("/tags").json().get("tags") or ["blue"]',
    '        self.tags = tags',
    '        self.items = self.client.get("/catalogue").json() or []',
    '',
    '    def affordable(self):',
    '        return [i for i in self.items if i.get("price", 1e9) + SHIPPING <= LIMIT]',
    '',
    '    @task(5)',
    '    def home(self):',
    '        self.client.get("/")',
    '',
    '    @task(3)',
    '    def catalogue(self):',
    '        self.client.get("/category.html")',
    '        self.client.get("/catalogue")',
    '',
    '    @task(2)',
    '    def category(self):',
    '        tag = random.choice(self.tags)',
    '        self.client.get("/category.html?tags=" + tag, name="/category.html?tags=[tag]")',
    '        self.client.get("/catalogue?tags=" + tag, name="/catalogue?tags=[tag]")',
    '',
    '    @task(3)',
    '    def detail(self):',
    '        if not self.items:',
    '            return',
    '        item = random.choice(self.items)["id"]',
    '        self.client.get("/detail.html?id=" + item, name="/detail.html?id=[id]")',
    '        self.client.get("/catalogue/" + item, name="/catalogue/[id]")',
    '',
    '    @task(1)',
    '    def login(self):',
    '        self.client.get("/login", auth=(self.username, self.password))',
    '',
    '    @task(2)',
    '    def add_to_cart(self):',
    '        items = self.affordable()',
    '        if items:',
    '            self.client.post("/cart", json={"id": random.choice(items)["id"], "quantity": 1})',
    '',
    '    @task(2)',
    '    def basket(self):',
    '        self.client.get("/basket.html")',
    '        self.client.get("/cart")',
    '',
    '    @task(1)',
    '    def order(self):',
    '        items = self.affordable()',
    '        if not items:',
    '            return',
    '        self.client.delete("/cart")',
    '        r = self.client.post("/cart", json={"id": random.choice(items)["id"], "quantity": 1})',
    '        if r.ok:',
    '            self.client.post("/orders")',
    '',
  ].join('\n');
}

export interface ClusterLoadOptions {
  namespace: string;
  /** URL the workers load, as seen from inside the cluster (e.g. http://front-end.sock-shop). */
  host: string;
  workers: number;
  users: number;
  spawnRate: number;
  waitSeconds: [number, number];
  flow: FlowName;
  durationSeconds: number;
  image?: string;
}

function labels(component: 'master' | 'worker'): Record<string, string> {
  return {
    'app.kubernetes.io/name': LOCUST_NAME,
    'app.kubernetes.io/component': component,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

export interface ClusterLoadManifests {
  configMap: V1ConfigMap;
  masterService: V1Service;
  master: V1Deployment;
  workers: V1Deployment;
}

/** The objects a cluster run creates, built in code. */
export function buildClusterManifests(o: ClusterLoadOptions): ClusterLoadManifests {
  if (!(Number.isInteger(o.workers) && o.workers >= 1 && o.workers <= 50)) {
    throw new UserError(`Locust workers must be a whole number from 1 to 50 (got ${o.workers}).`, 'BadLoadSpec');
  }
  const namespace = o.namespace;
  const image = o.image ?? LOCUST_IMAGE;
  const file = '/mnt/locust/locustfile.py';
  const volume = { name: 'locustfile', configMap: { name: LOCUST_NAME } };
  const mount = { name: 'locustfile', mountPath: '/mnt/locust', readOnly: true };
  const securityContext = { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] } };
  const deployment = (component: 'master' | 'worker', replicas: number, args: string[], ports: { name: string; containerPort: number }[]): V1Deployment => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: `${LOCUST_NAME}-${component}`, namespace, labels: labels(component) },
    spec: {
      replicas,
      selector: { matchLabels: { 'app.kubernetes.io/name': LOCUST_NAME, 'app.kubernetes.io/component': component } },
      template: {
        metadata: { labels: labels(component) },
        spec: {
          containers: [
            {
              name: 'locust',
              image,
              args,
              ports,
              volumeMounts: [mount],
              resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { memory: '512Mi' } },
              securityContext,
            },
          ],
          volumes: [volume],
        },
      },
    },
  });
  return {
    configMap: {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: LOCUST_NAME, namespace, labels: labels('master') },
      data: { 'locustfile.py': buildLocustfile(o) },
    },
    masterService: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `${LOCUST_NAME}-master`, namespace, labels: labels('master') },
      spec: {
        selector: { 'app.kubernetes.io/name': LOCUST_NAME, 'app.kubernetes.io/component': 'master' },
        ports: [
          { name: 'web', port: WEB_PORT, targetPort: WEB_PORT },
          { name: 'master', port: MASTER_PORT, targetPort: MASTER_PORT },
        ],
      },
    },
    master: deployment('master', 1, ['-f', file, '--master', '--host', o.host, '--web-port', String(WEB_PORT)], [
      { name: 'web', containerPort: WEB_PORT },
      { name: 'master', containerPort: MASTER_PORT },
    ]),
    workers: deployment('worker', o.workers, ['-f', file, '--worker', '--master-host', `${LOCUST_NAME}-master`, '--master-port', String(MASTER_PORT)], []),
  };
}

/** Creates (or, with dryRun, validates server-side) the cluster run's objects. */
export async function createClusterLoad(kc: KubeConfig, m: ClusterLoadManifests, dryRun = false): Promise<void> {
  const core = apiClient(kc, CoreV1Api);
  const apps = apiClient(kc, AppsV1Api);
  const namespace = m.master.metadata!.namespace!;
  const dr = dryRun ? 'All' : undefined;
  await core.createNamespacedConfigMap({ namespace, body: m.configMap, dryRun: dr });
  await core.createNamespacedService({ namespace, body: m.masterService, dryRun: dr });
  await apps.createNamespacedDeployment({ namespace, body: m.master, dryRun: dr });
  await apps.createNamespacedDeployment({ namespace, body: m.workers, dryRun: dr });
}

const is404 = (err: unknown): boolean => (err as { code?: number })?.code === 404;

/** Deletes everything a cluster run created (missing objects are fine). */
export async function removeClusterLoad(kc: KubeConfig, namespace: string): Promise<void> {
  const core = apiClient(kc, CoreV1Api);
  const apps = apiClient(kc, AppsV1Api);
  const steps = [
    () => apps.deleteNamespacedDeployment({ name: `${LOCUST_NAME}-worker`, namespace, propagationPolicy: 'Background' }),
    () => apps.deleteNamespacedDeployment({ name: `${LOCUST_NAME}-master`, namespace, propagationPolicy: 'Background' }),
    () => core.deleteNamespacedService({ name: `${LOCUST_NAME}-master`, namespace }),
    () => core.deleteNamespacedConfigMap({ name: LOCUST_NAME, namespace }),
  ];
  for (const step of steps) {
    try {
      await step();
    } catch (err) {
      if (!is404(err)) throw err;
    }
  }
}

/** A request to the master's web UI through the apiserver's service proxy. */
export async function masterRequest(
  kc: KubeConfig,
  namespace: string,
  method: 'GET' | 'POST',
  path: string,
  form?: Record<string, string>,
): Promise<string> {
  const body = form ? new URLSearchParams(form).toString() : undefined;
  const res = await kubeRequest(kc, {
    method,
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/services/${LOCUST_NAME}-master:${WEB_PORT}/proxy${path}`,
    headers: body ? { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) } : {},
    body,
    timeoutMs: 10_000,
  });
  if (res.status >= 300) throw Object.assign(new Error(`Locust master answered ${res.status} for ${method} ${path}`), { code: res.status, body: res.body });
  return res.body;
}

export interface ClusterRunHooks {
  onPhase?: (message: string) => void;
  onStats?: (s: LiveStats) => void;
  signal?: AbortSignal;
  /** How long to wait for the master and every worker (default 180 s: image pulls). */
  readyTimeoutMs?: number;
}

/** How the swarm logic talks to a Locust master's web API. */
export type MasterTransport = (method: 'GET' | 'POST', path: string, form?: Record<string, string>) => Promise<string>;

/** A master reachable over plain HTTP (e.g. a local one, or a port-forward). */
export function httpMasterTransport(baseUrl: string): MasterTransport {
  const base = baseUrl.replace(/\/$/, '');
  return async (method, path, form) => {
    const res = await fetch(`${base}${path}`, {
      method,
      body: form ? new URLSearchParams(form) : undefined,
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    if (!res.ok) throw Object.assign(new Error(`Locust master answered ${res.status} for ${method} ${path}`), { code: res.status, body: text });
    return text;
  };
}

export interface SwarmOptions {
  workers: number;
  users: number;
  spawnRate: number;
  host: string;
  durationSeconds: number;
}

/**
 * Waits until `workers` workers are connected to the master, starts the swarm (POST /swarm), streams
 * /stats/requests until the duration is over or the signal aborts, then stops the swarm (GET /stop).
 */
export async function runSwarm(master: MasterTransport, o: SwarmOptions, hooks: ClusterRunHooks = {}): Promise<LiveStats[]> {
  const say = hooks.onPhase ?? (() => undefined);
  const deadline = Date.now() + (hooks.readyTimeoutMs ?? 180_000);
  let workers = 0;
  for (;;) {
    if (hooks.signal?.aborted) throw new CancelledError();
    try {
      const j = JSON.parse(await master('GET', '/stats/requests')) as LocustStatsJson & { worker_count?: number };
      workers = j.worker_count ?? j.workers?.length ?? 0;
      if (workers >= o.workers) break;
      say(`Waiting for Locust workers: ${workers}/${o.workers} connected`);
    } catch {
      say('Waiting for the Locust master to start');
    }
    if (Date.now() > deadline) throw new UserError(`Only ${workers} of ${o.workers} Locust workers connected within the time allowed.`, 'NotReady');
    await new Promise((r) => setTimeout(r, 1000));
  }
  await master('POST', '/swarm', { user_count: String(o.users), spawn_rate: String(o.spawnRate), host: o.host });
  say(`Swarming ${o.users} users at ${o.spawnRate}/s on ${workers} worker(s) for ${o.durationSeconds} s`);
  const startedAt = Date.now();
  const poller = pollLocust({
    get: async () => JSON.parse(await master('GET', '/stats/requests')) as LocustStatsJson,
    onStats: (s) => hooks.onStats?.(s),
    startedAt,
  });
  let timer: NodeJS.Timeout | undefined;
  const over = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, o.durationSeconds * 1000);
    hooks.signal?.addEventListener('abort', () => resolve(), { once: true });
  });
  await Promise.race([over, poller.ended]);
  clearTimeout(timer);
  await master('GET', '/stop').catch(() => undefined);
  // One more sample after the stop so the totals are final.
  await new Promise((r) => setTimeout(r, 1200));
  poller.stop();
  try {
    const last = mapLocustStats(JSON.parse(await master('GET', '/stats/requests')) as LocustStatsJson, startedAt);
    poller.timeline.push(last);
    hooks.onStats?.(last);
  } catch {
    // The last sample is a nicety; the timeline so far stands.
  }
  return poller.timeline;
}

/**
 * Runs a distributed Locust load in the cluster end to end: create, wait for the workers, start the swarm,
 * stream stats until the duration is over (or the signal aborts), stop, remove. Returns the samples.
 */
export async function runClusterLoad(kc: KubeConfig, o: ClusterLoadOptions, hooks: ClusterRunHooks = {}): Promise<LiveStats[]> {
  const m = buildClusterManifests(o);
  const say = hooks.onPhase ?? (() => undefined);
  say(`Creating the Locust master and ${o.workers} worker(s) in ${o.namespace}`);
  await removeClusterLoad(kc, o.namespace); // leftovers of an earlier run
  try {
    await createClusterLoad(kc, m);
    return await runSwarm((method, path, form) => masterRequest(kc, o.namespace, method, path, form), o, hooks);
  } finally {
    say('Removing the Locust deployment');
    await removeClusterLoad(kc, o.namespace);
  }
}
