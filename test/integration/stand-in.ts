// What the chaos tests share: a front-end Deployment in a namespace of their own, a wait until it has settled,
// and a stand-in for the front-end that they send load to: a local HTTP server on loopback (the lab's pods
// run no containers yet, so nothing in them answers HTTP). Wired to the cluster, it watches the target's pods
// and, with failAfterDeletes, answers 503 for FAIL_WINDOW_MS after each pod deletion, like a front-end that
// loses requests while a replica is replaced.
import { createServer, type Server } from 'node:http';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { labInfo } from './hooks.ts';

export const FAIL_WINDOW_MS = 1000;

export interface StandIn {
  url: string;
  server: Server;
  /** Pod deletion times the server saw (epoch ms). */
  deletions: number[];
  /** Requests answered so far. */
  readonly requests: number;
  close(): Promise<void>;
}

/** A local stand-in for the front-end. failAfterDeletes: answer 503 for FAIL_WINDOW_MS after each pod deletion. */
export async function standIn(kc: k8s.KubeConfig, namespace: string, failAfterDeletes: boolean, labelSelector = 'name=front-end'): Promise<StandIn> {
  let failUntil = 0;
  const deletions: number[] = [];
  // Pods seen alive: a deletion counts only for a pod that was alive while watched (pods of an earlier
  // rollout that are already terminating do not count).
  const alive = new Set<string>();
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    const failing = Date.now() < failUntil;
    res.writeHead(failing ? 503 : 200, { 'content-type': 'text/plain' });
    res.end(failing ? 'unavailable' : 'ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const watch = new k8s.Watch(kc);
  const req = await watch.watch(
    `/api/v1/namespaces/${namespace}/pods`,
    { labelSelector },
    (phase: string, pod: k8s.V1Pod) => {
      const name = pod.metadata?.name ?? '';
      const gone = phase === 'DELETED' || !!pod.metadata?.deletionTimestamp;
      if (!gone) {
        alive.add(name);
        return;
      }
      if (alive.delete(name)) {
        deletions.push(Date.now());
        if (failAfterDeletes) failUntil = Date.now() + FAIL_WINDOW_MS;
      }
    },
    () => undefined,
  );
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    server,
    deletions,
    get requests() {
      return requests;
    },
    close: async () => {
      req.abort();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}


/** Creates namespace with a `front-end` Deployment of `replicas` lab pods (kwok runs them). */
export async function createFrontEnd(kc: k8s.KubeConfig, namespace: string, replicas: number): Promise<void> {
  await kc.makeApiClient(k8s.CoreV1Api).createNamespace({ body: { metadata: { name: namespace } } });
  await kc.makeApiClient(k8s.AppsV1Api).createNamespacedDeployment({
    namespace,
    body: {
      metadata: { name: 'front-end', labels: { name: 'front-end' } },
      spec: {
        replicas,
        selector: { matchLabels: { name: 'front-end' } },
        template: { metadata: { labels: { name: 'front-end' } }, spec: { containers: [{ name: 'front-end', image: 'weaveworksdemos/front-end:0.3.12', ports: [{ name: 'http', containerPort: 8079 }] }] } },
      },
    },
  });
}

/** The pods of a Deployment's selector that are ready, started and not terminating (the lab's probes decide). */
export async function readyPods(kc: k8s.KubeConfig, namespace: string, labelSelector = 'name=front-end'): Promise<k8s.V1Pod[]> {
  const pods = (await kc.makeApiClient(k8s.CoreV1Api).listNamespacedPod({ namespace, labelSelector })).items;
  return pods.filter(
    (p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') && p.status?.containerStatuses?.every((c) => c.started),
  );
}

/**
 * Waits until Deployment `name` has finished its rollout at n replicas, as `kubectl rollout status` does
 * (the controller has seen the latest spec; every replica is updated, ready and available; no pod of an
 * earlier template is left), and its n pods are ready by their probes. A count of ready pods alone is met
 * mid-rollout (two old and one new pod ready), and the rollout's later deletions of old pods (without the
 * new template's preStop) then land in the next experiment.
 */
export async function waitRolledOut(kc: k8s.KubeConfig, namespace: string, name: string, n: number, timeoutMs = 120_000, labelSelector = `name=${name}`): Promise<void> {
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const d = await apps.readNamespacedDeployment({ name, namespace });
    const s = d.status ?? {};
    const all = (await core.listNamespacedPod({ namespace, labelSelector })).items;
    const ready = await readyPods(kc, namespace, labelSelector);
    last = `generation ${d.metadata?.generation} observed ${s.observedGeneration}, replicas ${s.replicas ?? 0} updated ${s.updatedReplicas ?? 0} ready ${s.readyReplicas ?? 0} available ${s.availableReplicas ?? 0} of ${n}; pods ${all.length}, ready ${ready.length}`;
    const done =
      d.spec?.replicas === n &&
      (s.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0) &&
      [s.replicas, s.updatedReplicas, s.readyReplicas, s.availableReplicas].every((x) => (x ?? 0) === n) &&
      all.length === n &&
      ready.length === n;
    if (done) break;
    if (Date.now() > deadline) throw new Error(`${namespace}/${name} did not roll out: ${last}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  // The lab proxy follows endpoints after its 1 s propagation delay.
  await new Promise((r) => setTimeout(r, 2_000));
}

export interface FrontEndWorld {
  namespace: string;
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
}

/**
 * Mocha hooks for a namespace of its own (`<prefix>-<random>`) with a front-end of `replicas` lab pods,
 * created and settled before the tests (after `setup`, e.g. a Service) and deleted after them.
 */
export function frontEndNamespace(prefix: string, replicas: number, setup?: (w: FrontEndWorld) => Promise<void>): FrontEndWorld {
  const w = { namespace: `${prefix}-${randomBytes(3).toString('hex')}` } as FrontEndWorld;
  before(async () => {
    w.kc = new k8s.KubeConfig();
    w.kc.loadFromFile(labInfo().kubeconfig);
    w.core = w.kc.makeApiClient(k8s.CoreV1Api);
    await createFrontEnd(w.kc, w.namespace, replicas);
    await setup?.(w);
    await waitRolledOut(w.kc, w.namespace, 'front-end', replicas, 60_000);
  });
  after(async () => {
    await w.core?.deleteNamespace({ name: w.namespace }).catch(() => undefined);
  });
  return w;
}

/**
 * Runs the headless chaos runner as CI does: a child process with no terminal, from the project root (as
 * `npm run chaos`, so tsx resolves from there); every path given is absolute. KUBECONFIG is cleared.
 */
export function runChaosCli(args: string[], timeoutMs = 120_000): Promise<{ code: number; stdout: string; stderr: string }> {
  const root = join(__dirname, '..', '..');
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', join(root, 'src', 'cli', 'chaos.ts'), ...args], { cwd: root, timeout: timeoutMs, env: { ...process.env, KUBECONFIG: '' } }, (err, stdout, stderr) =>
      resolve({ code: child.exitCode ?? (err ? 2 : 0), stdout, stderr }),
    );
    child.stdin?.end();
  });
}
