// The lab's kube-state-metrics stand-in, run as a daemon by the monitoring component:
//
//   node --import tsx test/lab/monitoring/ksm.ts --kubeconfig <file> --port <port>
//
// It is NOT the real kube-state-metrics (which the lab does not build yet; see test/lab/monitoring.ts
// for what building v2.15.0 from the Go module proxy takes), so this small exporter watches the cluster with
// @kubernetes/client-node informers and serves, on 127.0.0.1:<port>/metrics, the kube-state-metrics
// v2 families listed in ksm-metrics.ts with their real names and labels. /healthz answers 200 once
// every informer has listed its objects, 503 before.
//
// With `--node-targets <file>` it also keeps a Prometheus file_sd file of the nodes' simulated
// kubelet endpoints current (Debian's Prometheus has no Kubernetes service discovery), reusing its
// node informer instead of running one more watcher process.
import { renameSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import {
  AppsV1Api, BatchV1Api, CoreV1Api, KubeConfig, makeInformer, type Informer, type KubernetesObject,
  type ObjectCache,
} from '@kubernetes/client-node';
import { renderKsmMetrics, type KsmObjects } from './ksm-metrics.ts';
import { nodeTargets } from './prometheus-config.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const kubeconfig = arg('kubeconfig');
const port = Number(arg('port'));
const host = arg('host') ?? '127.0.0.1';
const nodeTargetsFile = arg('node-targets');
if (!kubeconfig || !Number.isInteger(port) || port <= 0) {
  console.error('usage: ksm.ts --kubeconfig <file> --port <port> [--host 127.0.0.1] [--node-targets <file_sd.json>]');
  process.exit(2);
}

const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const apps = kc.makeApiClient(AppsV1Api);
const batch = kc.makeApiClient(BatchV1Api);

type Watched<T extends KubernetesObject> = Informer<T> & ObjectCache<T> & { latestResourceVersion(): string };

interface Source {
  name: keyof KsmObjects;
  informer: Watched<KubernetesObject>;
  synced: boolean;
}

function source<T extends KubernetesObject>(name: keyof KsmObjects, path: string, list: () => Promise<{ items: T[] }>): Source {
  const informer = makeInformer<T>(kc, path, list as never) as unknown as Watched<KubernetesObject>;
  return { name, informer, synced: false };
}

const sources: Source[] = [
  source('pods', '/api/v1/pods', () => core.listPodForAllNamespaces()),
  source('nodes', '/api/v1/nodes', () => core.listNode()),
  source('namespaces', '/api/v1/namespaces', () => core.listNamespace()),
  source('services', '/api/v1/services', () => core.listServiceForAllNamespaces()),
  source('resourcequotas', '/api/v1/resourcequotas', () => core.listResourceQuotaForAllNamespaces()),
  source('deployments', '/apis/apps/v1/deployments', () => apps.listDeploymentForAllNamespaces()),
  source('replicasets', '/apis/apps/v1/replicasets', () => apps.listReplicaSetForAllNamespaces()),
  source('statefulsets', '/apis/apps/v1/statefulsets', () => apps.listStatefulSetForAllNamespaces()),
  source('daemonsets', '/apis/apps/v1/daemonsets', () => apps.listDaemonSetForAllNamespaces()),
  source('jobs', '/apis/batch/v1/jobs', () => batch.listJobForAllNamespaces()),
];

let stopping = false;

/** client-node's informer stops on a list/watch error; restart it with a capped backoff (the apiserver may be restarted by fault tests). */
function keepWatching(s: Source): void {
  let delay = 500;
  s.informer.on('error', (err: unknown) => {
    if (stopping) return;
    const msg = err instanceof Error ? err.message : String((err as { message?: string })?.message ?? err);
    console.error(`${new Date().toISOString()} ${s.name} watch failed (${msg}); retrying in ${delay} ms`);
    setTimeout(() => {
      if (stopping) return;
      s.informer.start().then(
        () => {
          if (s.informer.latestResourceVersion() !== '') delay = 500;
        },
        () => undefined,
      );
    }, delay).unref();
    delay = Math.min(delay * 2, 5_000);
  });
  s.informer.on('connect', () => undefined);
}

async function startSource(s: Source): Promise<void> {
  keepWatching(s);
  await s.informer.start();
  // start() resolves after the first list, or after an error it already reported.
  const poll = setInterval(() => {
    if (s.informer.latestResourceVersion() !== '') {
      s.synced = true;
      clearInterval(poll);
    }
  }, 100);
  poll.unref();
}

function snapshot(): KsmObjects {
  const o = {} as Record<keyof KsmObjects, readonly KubernetesObject[]>;
  for (const s of sources) o[s.name] = s.informer.list();
  return o as unknown as KsmObjects;
}

const server = createServer((req, res) => {
  const url = req.url ?? '/';
  if (url === '/healthz' || url === '/readyz') {
    const pending = sources.filter((s) => !s.synced).map((s) => s.name);
    res.writeHead(pending.length ? 503 : 200, { 'content-type': 'text/plain' });
    res.end(pending.length ? `waiting for: ${pending.join(', ')}\n` : 'ok\n');
    return;
  }
  if (url === '/metrics' || url.startsWith('/metrics?')) {
    const body = renderKsmMetrics(snapshot());
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
    res.end(body);
    return;
  }
  res.writeHead(404, { 'content-type': 'text/plain' });
  res.end('not found: try /metrics or /healthz\n');
});

server.on('error', (err) => {
  console.error(`cannot listen on ${host}:${port}: ${err.message}`);
  process.exit(1);
});

server.listen(port, host, () => {
  console.log(`${new Date().toISOString()} kube-state-metrics stand-in listening on http://${host}:${port}/metrics`);
});

for (const s of sources) void startSource(s);

if (nodeTargetsFile) {
  const nodes = sources.find((s) => s.name === 'nodes')!;
  let last = '';
  let timer: NodeJS.Timeout | undefined;
  const write = () => {
    timer = undefined;
    const body = JSON.stringify(nodeTargets(nodes.informer.list() as never), null, 1) + '\n';
    if (body === last) return;
    // Written whole and renamed, so Prometheus never reads half a file.
    writeFileSync(`${nodeTargetsFile}.tmp`, body);
    renameSync(`${nodeTargetsFile}.tmp`, nodeTargetsFile);
    last = body;
  };
  const schedule = () => {
    timer ??= setTimeout(write, 200);
  };
  for (const verb of ['add', 'update', 'delete'] as const) nodes.informer.on(verb, schedule);
}

const shutdown = () => {
  stopping = true;
  server.close();
  Promise.allSettled(sources.map((s) => s.informer.stop())).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
