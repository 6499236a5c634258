// Data plane benchmark against the running lab (`npm run lab -- up`): deploys Sock Shop (chaos-ready) into
// its own namespace, then measures
//   1. requests/s of GET / through the front-end's load balancer address (lab proxy → 4 front-end pods),
//      against the anchor of the same load sent straight to one front-end pod's loopback address (no proxy),
//      in the same run: our load engine, closed model, 10 s each, alternating which goes first;
//   2. endpoint propagation: a front-end pod is deleted while new connections (one request each) go through
//      the load balancer; the deleted pod's own access log gives the last request it got on a new
//      connection; deletion → that request, against the configured delay (SOCK_SHOP_LAB_PROXY_DELAY_MS).
// and removes the namespace afterwards.
//   node --import tsx test/bench/dataplane.ts [--seconds 10] [--rounds 2] [--kills 3]
import { readdirSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { startLoad } from '../../src/core/load/engine';
import { deploySockShop, frontEndAddress } from '../../src/core/sockshop/deploy';
import { removeSockShop } from '../../src/core/sockshop/remove';
import { labAddress } from '../lab/dataplane/addresses.ts';
import type { DataplaneState } from '../lab/dataplane/index.ts';
import { labMemory, readState } from '../lab/lab.ts';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const SECONDS = Number(opt('seconds', '10'));
const ROUNDS = Number(opt('rounds', '2'));
const KILLS = Number(opt('kills', '3'));
const NS = `dataplane-bench-${Date.now().toString(36)}`;

const state = readState();
const cluster = state?.components.cluster as { kubeconfig: string } | undefined;
const dp = state?.components.dataplane as DataplaneState | undefined;
if (!cluster || !dp) {
  console.error('the lab (with its dataplane) is not running: start it with `npm run lab -- up`');
  process.exit(2);
}
const kc = new k8s.KubeConfig();
kc.loadFromFile(cluster.kubeconfig);
const core = kc.makeApiClient(k8s.CoreV1Api);

async function rps(url: string): Promise<{ rps: number; failures: number; p50: number }> {
  const r = await startLoad({ target: { url, timeoutMs: 5000 }, model: { kind: 'closed', requests: 10_000_000, concurrency: 50 }, maxRequests: 10_000_000, maxDurationSeconds: SECONDS, threads: 1 }).done;
  return { rps: r.rps, failures: r.failures, p50: r.latencyMs.p50 };
}

function once(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(url, { headers: { Connection: 'close', 'User-Agent': 'propagation-bench' }, timeout: 2000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(0));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

const readyFrontEnds = async () =>
  (await core.listNamespacedPod({ namespace: NS, labelSelector: 'name=front-end' })).items.filter(
    (p) => !p.metadata?.deletionTimestamp && p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
  );

async function main(): Promise<void> {
  const t0 = Date.now();
  await deploySockShop(kc, { namespace: NS, profile: 'chaos-ready', rolloutTimeoutMs: 180_000 });
  console.log(`deployed in ${((Date.now() - t0) / 1000).toFixed(1)} s (the front-end's readiness probe starts after 10 s)`);
  let lb = '';
  while (!(lb = (await frontEndAddress(kc, NS)).url ?? '')) await new Promise((r) => setTimeout(r, 250));
  while ((await readyFrontEnds()).length < 4) await new Promise((r) => setTimeout(r, 500));
  await new Promise((r) => setTimeout(r, 2000));
  const mem = labMemory(readState()!);
  const mib = (b: number) => `${(b / 1024 ** 2).toFixed(0)} MiB`;
  console.log(`lab memory with Sock Shop deployed: ${mib(mem.total)}; lab-kubelet ${mib(mem.byProcess['dataplane/lab-kubelet'])}, lab-proxy ${mib(mem.byProcess['dataplane/lab-proxy'])}`);
  const pod = (await readyFrontEnds())[0];
  const direct = `http://${labAddress(pod.status!.podIP!)}:8079/`;
  console.log(`load balancer ${lb}, one pod directly ${direct}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  for (let round = 1; round <= ROUNDS; round++) {
    const order = round % 2 ? ['proxy', 'direct'] : ['direct', 'proxy'];
    const res: Record<string, { rps: number; failures: number; p50: number }> = {};
    for (const which of order) res[which] = await rps(which === 'proxy' ? lb : direct);
    console.log(
      `round ${round}: through the LB ${res.proxy.rps.toFixed(0)} req/s (p50 ${res.proxy.p50.toFixed(2)} ms, ${res.proxy.failures} failures); ` +
        `one pod direct ${res.direct.rps.toFixed(0)} req/s (p50 ${res.direct.p50.toFixed(2)} ms); ratio ${(res.proxy.rps / res.direct.rps).toFixed(2)}×; load ${loadavg()[0].toFixed(2)}`,
    );
  }
  for (let k = 1; k <= KILLS; k++) {
    while ((await readyFrontEnds()).length < 4) await new Promise((r) => setTimeout(r, 500));
    await new Promise((r) => setTimeout(r, 1500));
    const victim = (await readyFrontEnds())[0];
    const dir = readdirSync(join(dp!.dir, 'pods')).find((d) => d.endsWith(`_${victim.metadata!.uid}`))!;
    const file = join(dp!.dir, 'pods', dir, 'front-end', '0.log');
    let stop = false;
    let sent = 0;
    const sender = (async () => {
      while (!stop) {
        await once(lb);
        sent++;
      }
    })();
    await new Promise((r) => setTimeout(r, 500));
    const deletedAt = Date.now();
    await core.deleteNamespacedPod({ name: victim.metadata!.name!, namespace: NS });
    await new Promise((r) => setTimeout(r, 4000));
    stop = true;
    await sender;
    const last = readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => l.includes('propagation-bench'))
      .map((l) => Date.parse(l.split(' ')[0]))
      .filter((t) => t >= deletedAt - 1000)
      .pop();
    console.log(`kill ${k}: ${sent} requests sent; last new connection on the deleted pod ${last === undefined ? 'before the delete' : `${last - deletedAt} ms after the delete`} (configured ${dp!.propagationDelayMs} ms); load ${loadavg()[0].toFixed(2)}`);
  }
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(async () => {
    await removeSockShop(kc, NS, { timeoutMs: 60_000 }).catch(() => undefined);
  });
