// Keeps the lab Prometheus' list of kubelet (cAdvisor) targets current, run as a daemon by the monitoring
// component:
//
//   node node-targets.mjs --kubeconfig <file> --out <file_sd.json>
//
// Debian's Prometheus is built without Kubernetes service discovery, so the nodes' simulated kubelet
// endpoints (kwok serves /metrics/cadvisor there) come from a file_sd file: this watches the nodes with a
// client-node informer and rewrites the file (whole, then renamed, so Prometheus never reads half of it)
// when they change. kube-state-metrics itself is the real one (see test/lab/monitoring.ts).
import { renameSync, writeFileSync } from 'node:fs';
import { CoreV1Api, KubeConfig, makeInformer, type V1Node } from '@kubernetes/client-node';
import { nodeTargets } from './prometheus-config.ts';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const kubeconfig = arg('kubeconfig');
const out = arg('out');
if (!kubeconfig || !out) {
  console.error('usage: node-targets.ts --kubeconfig <file> --out <file_sd.json>');
  process.exit(2);
}

const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(CoreV1Api);
const informer = makeInformer<V1Node>(kc, '/api/v1/nodes', () => core.listNode());
let stopping = false;
let last = '';
let timer: NodeJS.Timeout | undefined;

const write = () => {
  timer = undefined;
  const body = JSON.stringify(nodeTargets(informer.list()), null, 1) + '\n';
  if (body === last) return;
  writeFileSync(`${out}.tmp`, body);
  renameSync(`${out}.tmp`, out);
  last = body;
};
const schedule = () => {
  timer ??= setTimeout(write, 200);
};
for (const verb of ['add', 'update', 'delete'] as const) informer.on(verb, schedule);

// The informer stops on a list/watch error; restart it with a capped back-off (fault tests restart the apiserver).
let delay = 500;
informer.on('error', (err: unknown) => {
  if (stopping) return;
  console.error(`${new Date().toISOString()} node watch failed (${err instanceof Error ? err.message : String(err)}); retrying in ${delay} ms`);
  setTimeout(() => {
    if (!stopping) informer.start().then(() => (delay = 500), () => undefined);
  }, delay).unref();
  delay = Math.min(delay * 2, 5_000);
});

void informer.start().then(() => console.log(`${new Date().toISOString()} watching nodes for ${out}`));

const shutdown = () => {
  stopping = true;
  Promise.allSettled([informer.stop()]).finally(() => process.exit(0));
  setTimeout(() => process.exit(0), 2_000).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
