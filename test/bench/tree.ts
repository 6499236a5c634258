// Benchmark of the Workloads model on a big cluster, side by side with `kubectl get pods -A -o json`
// (how vscode-kubernetes-tools fills its tree):
//   - time to the first complete model (kubeconfig → informers listed → tree built, all namespaces)
//   - heap after it (after a full GC)
//   - update latency while pods churn: from the moment a pod delete is sent until the model shows
//     the pod Terminating or gone (p50/p95), and watch event → model rebuilt (p50/p95)
//
//   node --import tsx test/bench/tree.ts [--deployments 500] [--replicas 10] [--churn-seconds 20] [--churn-rate 10]
// Uses its own lab (SOCK_SHOP_LAB_HOME, default /tmp/sock-shop-bench-lab; cluster only) and leaves it
// running for repeated runs; `--down` stops it at the end.
import { execFile, fork } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as k8s from '@kubernetes/client-node';

const execFileP = promisify(execFile);
const args = process.argv.slice(2);
const flag = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};

function pct(values: number[], p: number): number {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

// ---------------------------------------------------------------- child: the model under test
async function child(kubeconfig: string): Promise<void> {
  const t0 = performance.now();
  const { loadKubeconfig } = await import('../../src/core/kube/kubeconfig');
  const { WorkloadWatcher } = await import('../../src/core/kube/watcher');
  const { buildTree, findNode } = await import('../../src/core/kube/model');
  const tImport = performance.now() - t0;
  (globalThis as { gc?: () => void }).gc?.();
  const heapBeforeMB = process.memoryUsage().heapUsed / 1024 / 1024;
  const t1 = performance.now();
  const { kc, context } = loadKubeconfig({ settingPath: kubeconfig });
  const watcher = new WorkloadWatcher(kc, { coalesceMs: 75 });
  await watcher.start();
  const build = () =>
    buildTree({ context, snapshot: watcher.snapshot(), allNamespaces: true, sockShopNamespace: 'sock-shop', now: new Date() });
  let root = build();
  const firstModelMs = performance.now() - t1;
  const pods = watcher.snapshot().pods.length;
  (globalThis as { gc?: () => void }).gc?.();
  const heapMB = process.memoryUsage().heapUsed / 1024 / 1024;
  const rssMB = process.memoryUsage().rss / 1024 / 1024;
  process.send!({ type: 'ready', tImport, firstModelMs, pods, heapMB, heapBeforeMB, rssMB });

  // Churn phase: the parent tells us which pod it deletes and when (Date.now on the same machine).
  const pending = new Map<string, number>();
  const killLatency: number[] = [];
  const eventLatency: number[] = [];
  const buildMs: number[] = [];
  let firstEvent: number | undefined;
  watcher.on('event', () => {
    firstEvent ??= performance.now();
  });
  watcher.on('change', () => {
    const b0 = performance.now();
    root = build();
    const b1 = performance.now();
    buildMs.push(b1 - b0);
    if (firstEvent !== undefined) eventLatency.push(b1 - firstEvent);
    firstEvent = undefined;
    const now = Date.now();
    for (const [id, sent] of pending) {
      const n = findNode(root, id);
      if (!n || n.description?.startsWith('Terminating')) {
        killLatency.push(now - sent);
        pending.delete(id);
      }
    }
  });
  process.on('message', (m: { type: string; id?: string; sent?: number }) => {
    if (m.type === 'kill') pending.set(`${context}/${m.id}`, m.sent!);
    if (m.type === 'done') {
      (globalThis as { gc?: () => void }).gc?.();
      process.send!({
        type: 'result',
        killLatency,
        eventLatency,
        buildMs,
        unresolved: pending.size,
        events: watcher.eventCount,
        heapAfterChurnMB: process.memoryUsage().heapUsed / 1024 / 1024,
      });
      void watcher.stop().then(() => process.exit(0));
    }
  });
}

// ---------------------------------------------------------------- parent: cluster set-up and driving
async function parent(): Promise<void> {
  const deployments = flag('deployments', 500);
  const replicas = flag('replicas', 10);
  const churnSeconds = flag('churn-seconds', 20);
  const churnRate = flag('churn-rate', 10);
  const total = deployments * replicas;
  process.env.SOCK_SHOP_LAB_HOME ||= '/tmp/sock-shop-bench-lab';
  process.env.SOCK_SHOP_LAB_NODES ||= String(Math.max(2, Math.ceil(total / 500)));
  process.env.SOCK_SHOP_LAB_NODE_PODS ||= '550';
  process.env.SOCK_SHOP_LAB_NODE_CPU ||= '64';
  process.env.SOCK_SHOP_LAB_NODE_MEMORY ||= '256Gi';
  const { labUp, labDown } = await import('../lab/lab.ts');
  const { binDir } = await import('../lab/paths.ts');
  const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
  const state = await labUp({ only: ['cluster'], log: (m) => log(`lab: ${m}`) });
  const cluster = state.components.cluster as unknown as { kubeconfig: string };
  const kubeconfig = cluster.kubeconfig;
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  const NS = 'bench';

  // Set up N deployments × R replicas (idempotent: existing ones are kept).
  await core.createNamespace({ body: { metadata: { name: NS } } }).catch(() => undefined);
  const existing = new Set((await apps.listNamespacedDeployment({ namespace: NS })).items.map((d) => d.metadata!.name));
  const names = Array.from({ length: deployments }, (_, i) => `app-${String(i).padStart(4, '0')}`);
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < names.length) {
        const name = names[next++];
        if (existing.has(name)) continue;
        await apps.createNamespacedDeployment({
          namespace: NS,
          body: {
            metadata: { name, labels: { app: name } },
            spec: {
              replicas,
              selector: { matchLabels: { app: name } },
              template: {
                metadata: { labels: { app: name } },
                spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'app', image: 'weaveworksdemos/carts:0.4.8' }] },
              },
            },
          },
        });
      }
    }),
  );
  log(`waiting for ${total} running pods`);
  const tWait = Date.now();
  for (;;) {
    const list = await core.listNamespacedPod({ namespace: NS, fieldSelector: 'status.phase=Running' });
    const n = list.items.length;
    if (n >= total) break;
    if (Date.now() - tWait > 30 * 60_000) throw new Error(`only ${n}/${total} pods running after 30 min`);
    log(`  ${n}/${total} running`);
    await new Promise((r) => setTimeout(r, 10_000));
  }
  const allPods = (await core.listPodForAllNamespaces()).items.length;
  log(`${allPods} pods in the cluster`);

  // kubectl get pods -A -o json, 5 runs.
  const kubectl = join(binDir(), 'kubectl');
  const kubectlMs: number[] = [];
  let kubectlBytes = 0;
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const { stdout } = await execFileP(kubectl, ['--kubeconfig', kubeconfig, 'get', 'pods', '-A', '-o', 'json'], { maxBuffer: 1 << 30 });
    kubectlMs.push(performance.now() - t);
    kubectlBytes = stdout.length;
  }

  // The model, 5 fresh processes (first model + heap); the last one also goes through churn.
  const runs: { firstModelMs: number; heapMB: number; heapBeforeMB: number; rssMB: number; tImport: number; pods: number }[] = [];
  let result: any;
  for (let i = 0; i < 5; i++) {
    const last = i === 4;
    const c = fork(import.meta.filename, ['--child', kubeconfig], { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: 'inherit' });
    const ready = await new Promise<any>((resolve) => c.once('message', resolve));
    runs.push(ready);
    log(`model run ${i + 1}: first model ${ready.firstModelMs.toFixed(0)} ms, ${ready.pods} pods, heap ${ready.heapMB.toFixed(1)} MB`);
    if (!last) {
      c.send({ type: 'done' });
      await new Promise((r) => c.once('exit', r));
      continue;
    }
    // Churn: delete churnRate pods per second for churnSeconds; the deployments replace them.
    log(`churn: ${churnRate} pod deletes/s for ${churnSeconds} s`);
    const pods = (await core.listNamespacedPod({ namespace: NS })).items.filter((p) => !p.metadata?.deletionTimestamp);
    const end = Date.now() + churnSeconds * 1000;
    let k = 0;
    while (Date.now() < end && k < pods.length) {
      const tick = Date.now();
      await Promise.all(
        Array.from({ length: churnRate }, async () => {
          const p = pods[k++];
          if (!p) return;
          c.send({ type: 'kill', id: `${NS}/Pods/${p.metadata!.name}`, sent: Date.now() });
          await core.deleteNamespacedPod({ name: p.metadata!.name!, namespace: NS, gracePeriodSeconds: 0 }).catch(() => undefined);
        }),
      );
      await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (Date.now() - tick))));
    }
    await new Promise((r) => setTimeout(r, 3000));
    c.send({ type: 'done' });
    result = await new Promise<any>((resolve) => c.on('message', (m: any) => m.type === 'result' && resolve(m)));
    await new Promise((r) => c.once('exit', r));
  }

  const med = (xs: number[]) => pct(xs, 50);
  const summary = {
    pods: allPods,
    kubectlGetPodsJson: { medianMs: Math.round(med(kubectlMs)), runsMs: kubectlMs.map(Math.round), bytes: kubectlBytes },
    firstModel: {
      medianMs: Math.round(med(runs.map((r) => r.firstModelMs))),
      runsMs: runs.map((r) => Math.round(r.firstModelMs)),
      moduleImportMs: Math.round(med(runs.map((r) => r.tImport))),
      ratioToKubectl: +(med(runs.map((r) => r.firstModelMs)) / med(kubectlMs)).toFixed(2),
    },
    heapAfterFirstModelMB: +med(runs.map((r) => r.heapMB)).toFixed(1),
    heapBeforeModelMB: +med(runs.map((r) => r.heapBeforeMB)).toFixed(1),
    rssAfterFirstModelMB: +med(runs.map((r) => r.rssMB)).toFixed(1),
    churn: {
      deletesPerSecond: churnRate,
      seconds: churnSeconds,
      killToModel: { n: result.killLatency.length, p50Ms: pct(result.killLatency, 50), p95Ms: pct(result.killLatency, 95), unresolved: result.unresolved },
      eventToModel: { n: result.eventLatency.length, p50Ms: +pct(result.eventLatency, 50).toFixed(1), p95Ms: +pct(result.eventLatency, 95).toFixed(1) },
      treeBuild: { p50Ms: +pct(result.buildMs, 50).toFixed(1), p95Ms: +pct(result.buildMs, 95).toFixed(1) },
      watchEvents: result.events,
      heapAfterChurnMB: +result.heapAfterChurnMB.toFixed(1),
    },
  };
  console.log(JSON.stringify(summary, null, 2));
  if (args.includes('--down')) await labDown({ log: (m) => log(`lab: ${m}`) });
}

if (args[0] === '--child') void child(args[1]);
else
  parent().catch((err) => {
    console.error(err);
    process.exit(1);
  });
