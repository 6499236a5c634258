// Benchmark of the metrics panel ("Kubernetes / Compute Resources / Namespace (Pods)", namespace sock-shop):
//   1. queries sent to Prometheus per refresh vs what Grafana sends for the same dashboard (one query per
//      target of every panel in view), for the six dashboards, and counted on the wire on the lab;
//   2. extension-host CPU: a MetricsController refreshing every 5 s against the lab's real Prometheus
//      (port-forward path) and metrics API, % of one core over the run, and CPU ms per refresh cycle;
//   3. webview update time per refresh in Chromium (the real bundle, the harness page), p50/p95/max,
//      plus screenshots of the panel in dark, light and high-contrast themes under test-results/.
//
//   node --import tsx test/bench/metrics.ts [--seconds 60] [--renders 20] [--no-browser]
// Uses the lab in .lab (brought up if needed, left as it was found) and a few Deployments in sock-shop
// shaped like Sock Shop's 14 services (created when sock-shop has none, deleted at the end).
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { labUp, readState } from '../lab/lab.ts';
import { referenceDir } from '../lab/paths.ts';
import { USAGE_CPU_ANNOTATION, USAGE_MEMORY_ANNOTATION } from '../lab/cluster.ts';
import { installMonitoringStack } from '../lab/monitoring.ts';
import { parseDashboard } from '../../src/core/observability/dashboards';
import { planRefresh, sentQueries, visiblePanels } from '../../src/core/observability/engine';
import { MetricsController } from '../../src/core/observability/controller';
import type { HostMessage } from '../../src/common/contracts/metrics';

const args = process.argv.slice(2);
const flag = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const ROOT = resolve(import.meta.dirname, '..', '..');
const DASHBOARDS = join(referenceDir(), 'grafana-dashboards');
const NS = 'sock-shop';
const SERVICES = ['carts', 'carts-db', 'catalogue', 'catalogue-db', 'front-end', 'orders', 'orders-db', 'payment', 'queue-master', 'rabbitmq', 'session-db', 'shipping', 'user', 'user-db'];

function pct(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}
const ms = (n: number) => `${n.toFixed(2)} ms`;

async function main(): Promise<void> {
  // ---- 1. static query counts
  console.log('## Queries per refresh: Grafana (one per target of the panels in view) vs this panel');
  const values = { datasource: 'prometheus', cluster: '', namespace: NS, pod: 'carts-0', node: ['kwok-node-0'], type: '$__all', workload: 'carts' };
  for (const f of readdirSync(DASHBOARDS).filter((x) => x.endsWith('.json')).sort()) {
    const d = parseDashboard(readFileSync(join(DASHBOARDS, f), 'utf8'));
    const plan = planRefresh(d, visiblePanels(d), values, { rangeMs: 3_600_000, nowMs: Date.now() });
    console.log(`  ${d.title.padEnd(56)} Grafana ${String(plan.targetCount).padStart(3)}  ours ${String(sentQueries(plan)).padStart(3)}  (${plan.queries.length - sentQueries(plan)} computed here, ${plan.targetCount - plan.queries.length} deduplicated)`);
  }

  // ---- lab
  await labUp();
  const state = readState()!;
  const kubeconfig = (state.components.cluster as unknown as { kubeconfig: string }).kubeconfig;
  await installMonitoringStack(kubeconfig);
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const apps = kc.makeApiClient(k8s.AppsV1Api);
  await core.createNamespace({ body: { metadata: { name: NS } } }).catch(() => undefined);
  const existing = (await apps.listNamespacedDeployment({ namespace: NS })).items.map((d) => d.metadata!.name!);
  const created: string[] = [];
  if (existing.length === 0) {
    for (const [i, name] of SERVICES.entries()) {
      const labels = { name, 'bench-metrics': 'yes' };
      await apps.createNamespacedDeployment({
        namespace: NS,
        body: {
          metadata: { name, labels },
          spec: {
            replicas: 1,
            selector: { matchLabels: { name } },
            template: {
              metadata: { labels, annotations: { [USAGE_CPU_ANNOTATION]: `${10 + i * 7}m`, [USAGE_MEMORY_ANNOTATION]: `${60 + i * 20}Mi` } },
              spec: { containers: [{ name, image: `weaveworksdemos/${name}:bench`, resources: { requests: { cpu: '100m', memory: '100Mi' }, limits: { cpu: '300m', memory: '500Mi' } } }] },
            },
          },
        },
      });
      created.push(name);
    }
    console.log(`\n(created ${created.length} Deployments in ${NS}; waiting 25 s for Prometheus' rate rules to cover them)`);
    await new Promise((r) => setTimeout(r, 25_000));
  }
  const podCount = (await core.listNamespacedPod({ namespace: NS })).items.length;

  try {
    // ---- 2. host CPU
    const seconds = flag('seconds', 60);
    const messages: HostMessage[] = [];
    const c = new MetricsController({ post: (m) => messages.push(m), kubeConfig: async () => kc, log: () => undefined, accessOrder: ['port-forward'], topNamespace: NS }, { refreshSeconds: 0, range: '1h' });
    await c.start();
    const client = c.access!.client;
    console.log(`\n## Extension host, ${c.dashboard!.title}, ${podCount} pods in ${NS}, Prometheus via ${c.access!.description}`);
    const before = client.requests;
    await c.refresh();
    console.log(`  HTTP requests to Prometheus in one refresh: ${client.requests - before} (panel targets: ${c.lastStats!.targets})`);
    const cycleCpu: number[] = [];
    const cycleWall: number[] = [];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    while (performance.now() - t0 < seconds * 1000) {
      const tick = performance.now();
      const u0 = process.cpuUsage();
      await c.refresh();
      const u = process.cpuUsage(u0);
      cycleCpu.push((u.user + u.system) / 1000);
      cycleWall.push(performance.now() - tick);
      const wait = 5000 - (performance.now() - tick);
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const wall = performance.now() - t0;
    const cpu = process.cpuUsage(cpu0);
    const failed = [...c.panelStates.values()].filter((s) => s.error).length;
    console.log(`  ${cycleCpu.length} refreshes every 5 s over ${(wall / 1000).toFixed(0)} s: CPU ${(((cpu.user + cpu.system) / 1000 / wall) * 100).toFixed(2)} % of one core`);
    console.log(`  CPU per refresh cycle (panels + top tables): p50 ${ms(pct(cycleCpu, 50))}, p95 ${ms(pct(cycleCpu, 95))}; wall p50 ${ms(pct(cycleWall, 50))}, p95 ${ms(pct(cycleWall, 95))}; failing panels at the end: ${failed}`);
    await c.dispose();

    // ---- 3. webview in Chromium
    if (!args.includes('--no-browser')) {
      const { openHarness } = await import('./metrics-harness.ts');
      mkdirSync(join(ROOT, 'test-results'), { recursive: true });
      for (const theme of ['dark', 'light', 'high-contrast'] as const) {
        let sink: (m: HostMessage) => void = () => undefined;
        const wc = new MetricsController({ post: (m) => sink(m), kubeConfig: async () => kc, log: () => undefined, accessOrder: ['port-forward'], topNamespace: NS }, { refreshSeconds: 0, range: '1h' });
        const h = await openHarness(wc, theme, { width: 1400, height: 1000 }, (s) => (sink = s));
        try {
          await h.page.waitForFunction(() => ((window as unknown as { __metrics: { renderTimes: number[] } }).__metrics?.renderTimes.length ?? 0) >= 1, undefined, { timeout: 60_000 });
          const renders = theme === 'dark' ? flag('renders', 20) : 2;
          for (let i = 0; i < renders; i++) {
            await wc.refresh();
            await h.page.waitForFunction((n) => (window as unknown as { __metrics: { renderTimes: number[] } }).__metrics.renderTimes.length >= n, i + 2, { timeout: 30_000 });
          }
          await h.page.waitForTimeout(200);
          const { renderTimes: times, frameTimes: frames } = await h.page.evaluate(() => (window as unknown as { __metrics: { renderTimes: number[]; frameTimes: number[] } }).__metrics);
          const later = times.slice(1);
          const laterFrames = frames.slice(1);
          if (theme === 'dark') {
            console.log(`\n## Webview (Chromium ${h.browser.version()}), ${c.dashboard!.panels.length} panels, ${podCount} pods`);
            console.log(`  first draw ${ms(times[0])} (to painted frame ${ms(frames[0])})`);
            console.log(`  update per refresh over ${later.length}: script p50 ${ms(pct(later, 50))}, p95 ${ms(pct(later, 95))}, max ${ms(Math.max(...later))}; to painted frame p50 ${ms(pct(laterFrames, 50))}, p95 ${ms(pct(laterFrames, 95))}`);
          }
          await h.page.waitForTimeout(300);
          if (theme === 'dark') {
            // Hide/show: the webview is rebuilt from getState() before the host answers.
            const saved = await h.page.evaluate(() => (window as unknown as { __savedState: unknown }).__savedState);
            await h.page.addInitScript((st) => {
              (window as unknown as { __savedState: unknown }).__savedState = st;
            }, saved);
            await h.page.reload();
            const restored = await h.page.evaluate(() => (window as unknown as { __metrics: { restoredPanels: number } }).__metrics.restoredPanels);
            console.log(`  after a reload with the saved state: ${restored} of ${c.dashboard!.panels.length} panels drawn before the host answered`);
            await h.page.waitForTimeout(1500);
          }
          const file = join(ROOT, 'test-results', `metrics-${theme}.png`);
          await h.page.screenshot({ path: file, fullPage: true });
          console.log(`  screenshot ${file}${h.problems.length ? `; PROBLEMS: ${h.problems.join(' | ')}` : '; no CSP violations or page errors'}`);
        } finally {
          await h.close();
          await wc.dispose();
        }
      }
    }
  } finally {
    for (const name of created) await apps.deleteNamespacedDeployment({ name, namespace: NS }).catch(() => undefined);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
