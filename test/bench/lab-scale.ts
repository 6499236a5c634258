// How the lab's cluster copes with a big workload: `lab up` with N nodes, then D Deployments of R
// replicas each (5,000 pods across 500 Deployments by default); reports the time until every pod is
// Running and the memory (RSS) of the lab's processes before and after.
//
//   node --import tsx test/bench/lab-scale.ts [--deployments 500] [--replicas 10] [--nodes 50] [--keep]
//
// Uses its own lab home (SOCK_SHOP_LAB_HOME, default /tmp/sock-shop-lab-scale), cluster only, and
// takes it down at the end unless --keep is given.
import * as k8s from '@kubernetes/client-node';

const args = process.argv.slice(2);
const flag = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const DEPLOYMENTS = flag('deployments', 500);
const REPLICAS = flag('replicas', 10);
const PODS = DEPLOYMENTS * REPLICAS;
// 110 pods per node (the default capacity) with ~10 % headroom.
const NODES = flag('nodes', Math.max(2, Math.ceil((PODS * 1.1) / 110)));
const NS = 'scale';

process.env.SOCK_SHOP_LAB_HOME ||= '/tmp/sock-shop-lab-scale';
process.env.SOCK_SHOP_LAB_NODES = String(NODES);

const log = (m: string) => process.stderr.write(`[lab-scale] ${m}\n`);
const mib = (b: number) => `${(b / 1024 ** 2).toFixed(0)} MiB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

async function main(): Promise<void> {
  const { labUp, labDown, labMemory, readState } = await import('../lab/lab.ts');
  const t0 = Date.now();
  const state = await labUp({ only: ['cluster'], log: (m) => log(`lab: ${m}`) });
  const upSeconds = (Date.now() - t0) / 1000;
  log(`lab up with ${NODES} nodes in ${upSeconds.toFixed(1)} s`);
  const idle = labMemory(state);

  const kc = new k8s.KubeConfig();
  kc.loadFromFile((state.components.cluster as unknown as { kubeconfig: string }).kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  await core.deleteNamespace({ name: NS }).catch(() => undefined);
  while (await core.readNamespace({ name: NS }).then(() => true, () => false)) await sleep(500);
  await core.createNamespace({ body: { metadata: { name: NS } } });

  const t1 = Date.now();
  const names = Array.from({ length: DEPLOYMENTS }, (_, i) => `svc-${String(i).padStart(3, '0')}`);
  await mapLimit(names, 16, async (name) => {
    await apps.createNamespacedDeployment({
      namespace: NS,
      body: {
        metadata: { name },
        spec: {
          replicas: REPLICAS,
          selector: { matchLabels: { app: name } },
          template: {
            metadata: { labels: { app: name } },
            spec: { containers: [{ name: 'app', image: 'weaveworksdemos/catalogue:0.3.5' }] },
          },
        },
      },
    });
  });
  const createSeconds = (Date.now() - t1) / 1000;
  log(`${DEPLOYMENTS} Deployments created in ${createSeconds.toFixed(1)} s; waiting for ${PODS} Running pods`);

  let running = 0;
  let lastLog = 0;
  const deadline = Date.now() + 30 * 60_000;
  while (Date.now() < deadline) {
    // Deployments' readyReplicas follow the pods kwok has made Running and Ready.
    const deps = await apps.listNamespacedDeployment({ namespace: NS });
    running = deps.items.reduce((n, d) => n + (d.status?.readyReplicas ?? 0), 0);
    if (running >= PODS) break;
    if (Date.now() - lastLog > 10_000) {
      log(`  ${running}/${PODS} ready after ${((Date.now() - t1) / 1000).toFixed(0)} s`);
      lastLog = Date.now();
    }
    await sleep(1_000);
  }
  const allRunningSeconds = (Date.now() - t1) / 1000;
  // Confirm with the pods themselves.
  const pods = await core.listNamespacedPod({ namespace: NS, fieldSelector: 'status.phase=Running' });
  log(`${pods.items.length} pods Running ${allRunningSeconds.toFixed(1)} s after the first create`);

  await sleep(15_000);
  const loaded = labMemory(readState()!);
  const result = {
    nodes: NODES,
    deployments: DEPLOYMENTS,
    pods: PODS,
    runningPods: pods.items.length,
    labUpSeconds: Number(upSeconds.toFixed(1)),
    createSeconds: Number(createSeconds.toFixed(1)),
    allRunningSeconds: Number(allRunningSeconds.toFixed(1)),
    rssIdle: mib(idle.total),
    rssWithPods: mib(loaded.total),
    rssByProcess: Object.fromEntries(Object.entries(loaded.byProcess).map(([k, v]) => [k, mib(v)])),
  };
  console.log(JSON.stringify(result, null, 2));
  if (!args.includes('--keep')) await labDown({ log: (m) => log(`lab: ${m}`) });
  if (pods.items.length < PODS) process.exit(1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
