// The lab's data plane against a deployed Sock Shop: the lab kubelet runs the pods as servers on loopback,
// the lab proxy routes the front-end's load balancer address to its ready pods, container logs come back
// through the API, and the workshop's chaos claim holds for real — with the chaos-ready profile (4
// front-ends, readiness probe, preStop) load through the load balancer sees no failure while front-end pods
// are deleted one by one; with a single front-end it fails during each kill. Nothing here is a stand-in:
// the load engine, the chaos experiment and Show Logs are the extension's own core code.
import { strict as assert } from 'node:assert';
import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import { experimentMarkdown, runExperiment, type ExperimentSpec, type Guards } from '../../src/core/chaos/experiment';
import { killContainer } from '../../src/core/chaos/faults';
import { followLogs } from '../../src/core/kube/actions';
import { deploySockShop, frontEndAddress } from '../../src/core/sockshop/deploy';
import { FRONT_END_PRESTOP_SECONDS } from '../../src/core/sockshop/manifests';
import { removeSockShop } from '../../src/core/sockshop/remove';
import { formatChecklist, verifySockShop } from '../../src/core/sockshop/verify';
import type { LoadSpec } from '../../src/core/load/types';
import { isLoopback, labAddress } from '../lab/dataplane/addresses.ts';
import { labInfo } from './hooks.ts';
import { readyPods, waitRolledOut } from './stand-in.ts';
import { kubeConfigFrom, until } from './support.ts';

const NS = `dataplane-it-${randomBytes(3).toString('hex')}`;

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Connection: 'close', ...headers }, timeout: 5_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: timeout`)));
    req.on('error', reject);
    req.end();
  });
}

async function podLog(core: k8s.CoreV1Api, name: string, container: string): Promise<string> {
  return (await core.readNamespacedPodLog({ namespace: NS, name, container })) ?? '';
}

describe('lab data plane: Sock Shop answering through the lab proxy', function () {
  this.timeout(180_000);
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;
  let lbUrl = '';

  const readyFrontEnds = () => readyPods(kc, NS);

  before(async () => {
    kc = kubeConfigFrom(labInfo().kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    const r = await deploySockShop(kc, { namespace: NS, profile: 'chaos-ready', rolloutTimeoutMs: 150_000 });
    assert.ok(r.deployments!.every((d) => d.done), JSON.stringify(r.deployments));
    const addr = await until('the front-end load balancer address', 30_000, async () => (await frontEndAddress(kc, NS)).url);
    lbUrl = addr.replace(/\/$/, '');
    // kwok's first status says Ready before the lab kubelet's probe has run: wait for the probes' verdict,
    // for every Deployment (Deploy applies them all at once, so the front-end may be ready before the
    // catalogue it calls for the shop page).
    const deployments = (await apps.listNamespacedDeployment({ namespace: NS })).items;
    await Promise.all(deployments.map((d) => waitRolledOut(kc, NS, d.metadata!.name!, d.spec?.replicas ?? 1)));
  });

  after(async () => {
    if (kc) await removeSockShop(kc, NS, { timeoutMs: 60_000 }).catch(() => undefined);
  });

  it('every pod IP, Service IP, endpoint and load balancer address is loopback (pod IPs through the lab mapping)', async () => {
    const pods = (await core.listNamespacedPod({ namespace: NS })).items;
    assert.ok(pods.length >= 20, `pods: ${pods.length}`);
    for (const p of pods) {
      const ip = p.status!.podIP!;
      assert.match(ip, /^10\.24[4-9]\./, `${p.metadata!.name}: pod IP ${ip} is allocated from the nodes' podCIDRs`);
      assert.ok(isLoopback(labAddress(ip)), `${p.metadata!.name}: ${ip} → ${labAddress(ip)}`);
    }
    const services = (await core.listNamespacedService({ namespace: NS })).items;
    assert.equal(services.length, 14);
    for (const s of services) {
      for (const ip of s.spec!.clusterIPs ?? [s.spec!.clusterIP!]) assert.match(ip, /^127\.96\./, `${s.metadata!.name}: ClusterIP ${ip}`);
    }
    const fe = services.find((s) => s.metadata!.name === 'front-end')!;
    const ingress = fe.status!.loadBalancer!.ingress!;
    assert.ok(ingress.length > 0 && ingress.every((i) => isLoopback(i.ip)), JSON.stringify(ingress));
    const slices = (await kc.makeApiClient(k8s.DiscoveryV1Api).listNamespacedEndpointSlice({ namespace: NS })).items;
    let endpoints = 0;
    for (const sl of slices) {
      for (const e of sl.endpoints ?? []) {
        for (const a of e.addresses) {
          endpoints++;
          assert.ok(isLoopback(labAddress(a)), `${sl.metadata!.name}: ${a}`);
        }
      }
    }
    assert.ok(endpoints >= 20, `endpoints: ${endpoints}`);
  });

  it('GET / on the load balancer address returns the shop page; /catalogue comes from the catalogue pods', async () => {
    const page = await get(`${lbUrl}/`);
    assert.equal(page.status, 200);
    assert.match(page.text, /<title>WeaveSocks<\/title>/);
    const tag = `it-${randomBytes(3).toString('hex')}`;
    const cat = await get(`${lbUrl}/catalogue?size=9&tags=blue`, { 'User-Agent': tag });
    assert.equal(cat.status, 200);
    const items = JSON.parse(cat.text) as { id: string; name: string; tag: string[] }[];
    assert.ok(items.length > 0 && items.every((i) => i.tag.includes('blue')), cat.text);
    // The catalogue's access log (read through the API, i.e. kwok's Logs) shows the front-end's call.
    const catPods = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'name=catalogue' })).items.map((p) => p.metadata!.name!);
    assert.equal(catPods.length, 2);
    await until('the catalogue access log line', 10_000, async () => {
      const logs = await Promise.all(catPods.map((n) => podLog(core, n, 'catalogue')));
      return logs.some((l) => /"GET \/catalogue\?size=9&tags=blue HTTP\/1\.1" 200/.test(l));
    });
  });

  it('Verify checks the real front-end behind the load balancer (no stand-in)', async () => {
    const result = await verifySockShop(kc, { namespace: NS, frontEndUrl: `${lbUrl}/` });
    assert.ok(result.passed, formatChecklist(result));
    assert.equal(result.items.find((i) => i.title === 'front-end answers 200 on /')!.passed, true);
  });

  it('Show Logs (the extension\'s followLogs) shows a front-end pod\'s access log lines', async () => {
    const [pod] = await readyFrontEnds();
    const name = pod.metadata!.name!;
    // Requests until this pod served one (the proxy picks endpoints at random).
    await until(`a request served by ${name}`, 20_000, async () => {
      await get(`${lbUrl}/`);
      return /"GET \/ HTTP\/1\.1" 200/.test(await podLog(core, name, 'front-end'));
    }, 50);
    let text = '';
    const out = new Writable({
      write(chunk, _enc, cb) {
        text += String(chunk);
        cb();
      },
    });
    const stream = await followLogs(kc, NS, name, 'front-end', out, { follow: false, tailLines: 500 });
    await until('the logs to arrive', 10_000, () => /"GET \/ HTTP\/1\.1" 200/.test(text));
    stream.cancel();
    assert.match(text, /weaveworksdemos\/front-end listening on 127\.24\d\.\d+\.\d+:8079/);
    assert.match(text, /kube-probe\/1\.33/, 'the readiness probes are in the access log');
  });

  const guards: Guards = { namespaceAllowlist: [NS], maxPodsPerKill: 1, maxDurationSeconds: 60 };
  const load = (): LoadSpec => ({
    target: { url: `${lbUrl}/`, timeoutMs: 3_000 },
    // The workshop's locustfile (every task GET /), scaled to what two cores hold next to the lab.
    model: { kind: 'users', users: 20, spawnRate: 20, waitSeconds: [0.05, 0.15], flow: 'index' },
    maxRequests: 100_000,
    maxDurationSeconds: 16,
    threads: 1,
  });
  const experiment = (extra: Partial<ExperimentSpec> = {}): ExperimentSpec => ({
    namespace: NS,
    targets: ['front-end'],
    kill: { mode: 'fixed', value: 1 },
    intervalSeconds: 4,
    durationSeconds: 16,
    load: load(),
    hypothesis: { maxFailPercent: 0, maxP95Ms: 1_000, recoverySeconds: 40 },
    ...extra,
  });

  it('chaos-ready (4 front-ends, readiness, preStop): load through the load balancer while pods are deleted one by one — 0 failures, PASS', async () => {
    await waitRolledOut(kc, NS, 'front-end', 4);
    const r = await runExperiment(kc, experiment(), { guards });
    const md = experimentMarkdown(r);
    const kills = r.kills.filter((k) => k.pods.length);
    assert.equal(kills.length, 3, md);
    assert.ok(r.load!.requests > 500, `load ran: ${r.load!.requests} requests\n${md}`);
    assert.equal(r.load!.failures, 0, `${JSON.stringify(r.load!.failuresByCause)}\n${md}`);
    assert.equal(r.verdict, 'PASS', md);
  });

  it('container kill: kill 1 through exec ends the front-end container in its pod; the pod stays, restarts it and serves again', async () => {
    await waitRolledOut(kc, NS, 'front-end', 4);
    const [pod] = await readyFrontEnds();
    const name = pod.metadata!.name!;
    assert.deepEqual(await killContainer(kc, NS, pod), { pod: name, container: 'front-end', killed: true });
    const after = await until('the container restarted and ready in the same pod', 60_000, async () => {
      const p = await core.readNamespacedPod({ name, namespace: NS });
      const cs = p.status?.containerStatuses?.[0];
      return cs && cs.restartCount >= 1 && cs.ready ? p : undefined;
    });
    assert.equal(after.metadata?.uid, pod.metadata?.uid, 'the same pod, not a replacement');
    const last = after.status!.containerStatuses![0].lastState?.terminated;
    assert.equal(last?.exitCode, 143, JSON.stringify(last));
    assert.match(last?.message ?? '', /killed by SIGTERM \(kill 1 through exec\)/);
    const pods = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'name=front-end' })).items;
    assert.equal(pods.length, 4, 'no pod was deleted or added');
    // The lab kubelet's own log of it, kept as the previous container's log (kubectl logs --previous).
    assert.match((await core.readNamespacedPodLog({ namespace: NS, name, container: 'front-end', previous: true })) ?? '', /container exited: killed by SIGTERM/);
  });

  it('a container-kill experiment: each kill is kill -9 1 in a front-end container; the pods stay and the report says so', async () => {
    await waitRolledOut(kc, NS, 'front-end', 4);
    const before = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'name=front-end' })).items.map((p) => p.metadata!.name!).sort();
    const r = await runExperiment(kc, experiment({ fault: { kind: 'containerKill', signal: 'KILL' }, intervalSeconds: 4, durationSeconds: 10, load: undefined }), { guards });
    const md = experimentMarkdown(r);
    const kills = r.kills.filter((k) => k.pods.length);
    assert.equal(kills.length, 2, md);
    assert.ok(kills.every((k) => k.container === 'front-end' && k.errors.length === 0), md);
    assert.match(md, /\| t \(s\) \| at \| Deployment \| requested \| containers killed \| pods \|/);
    const now = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'name=front-end' })).items;
    assert.deepEqual(now.map((p) => p.metadata!.name!).sort(), before, 'the same pods: none deleted');
    for (const k of kills) {
      const p = now.find((x) => x.metadata?.name === k.pods[0])!;
      assert.ok((p.status?.containerStatuses?.[0].restartCount ?? 0) >= 1, `${k.pods[0]} restarted its container`);
    }
    assert.equal(r.checks.find((c) => c.name === 'recovery')?.ok, true, md);
  });

  it('front-end at 1 replica: failures during the kills, FAIL, the failures lined up with the kill times', async () => {
    await apps.patchNamespacedDeploymentScale({ name: 'front-end', namespace: NS, body: { spec: { replicas: 1 } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    // The rollout wait ends after the proxy's propagation delay: the removed endpoints are gone before the load.
    await waitRolledOut(kc, NS, 'front-end', 1, 90_000);
    // Kills at 8 and 16 s: the one front-end's replacement needs its readiness probe's 10 s initial delay,
    // so the service has no ready endpoint from about a second after the first kill until then.
    const r = await runExperiment(kc, experiment({ intervalSeconds: 8, durationSeconds: 20 }), { guards });
    const md = experimentMarkdown(r);
    assert.equal(r.verdict, 'FAIL', md);
    const failures = r.checks.find((c) => c.name === 'failures')!;
    assert.equal(failures.ok, false, md);
    assert.ok(r.load!.failures > 0, md);
    const kills = r.kills.filter((k) => k.pods.length);
    assert.equal(kills.length, 2, md);
    // No failure before the first kill, and the failures start when the killed pod's preStop ends: its
    // endpoint is gone after the proxy's 1 s delay, but the users' keep-alive connections stay with it
    // (as with kube-proxy's conntrack) until its SIGTERM closes them; then no ready front-end is left.
    const firstKill = Math.min(...kills.map((k) => k.time));
    assert.deepEqual(r.loadTimeline.filter((x) => x.time < firstKill - 1000 && x.failPercent > 0), [], md);
    const first = kills.find((k) => k.time === firstKill)!;
    const line = failures.evidence.find((e) => e.includes(`kill at t=${first.t} s`));
    assert.ok(line, `no failure window attributed to the kill at t=${first.t} s:\n${failures.evidence.join('\n')}`);
    const after = /, ([0-9.]+) s after the kill/.exec(line);
    assert.ok(line.includes('falls in its first second') || Number(after?.[1]) <= FRONT_END_PRESTOP_SECONDS + 2, line);
  });
});

describe('lab data plane: kubectl logs -f, --previous after a restart, and exec', function () {
  this.timeout(90_000);
  const ns = `dataplane-kubectl-${randomBytes(3).toString('hex')}`;
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let kubectl: (args: string[], timeoutMs?: number) => Promise<string>;

  before(async () => {
    const info = labInfo();
    kc = kubeConfigFrom(info.kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    const bin = join(info.state.bin, 'kubectl');
    kubectl = (args, timeoutMs = 15_000) =>
      new Promise((resolve, reject) =>
        execFile(bin, ['--kubeconfig', info.kubeconfig, '-n', ns, ...args], { timeout: timeoutMs }, (err, stdout, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout))),
      );
    await core.createNamespace({ body: { metadata: { name: ns } } });
  });
  after(async () => {
    await core?.deleteNamespace({ name: ns }).catch(() => undefined);
  });

  it('a container whose liveness probe fails is restarted and counted; --previous shows the log before the restart', async () => {
    await core.createNamespacedPod({
      namespace: ns,
      body: {
        metadata: { name: 'flaky' },
        spec: {
          containers: [
            {
              name: 'catalogue',
              image: 'weaveworksdemos/catalogue:0.3.5',
              ports: [{ containerPort: 80 }],
              livenessProbe: { httpGet: { path: '/no-such-path', port: 80 }, initialDelaySeconds: 1, periodSeconds: 2, failureThreshold: 3 },
            },
          ],
        },
      },
    });
    // kubelet's back-off before the first restart is 10 s.
    const pod = await until('restartCount 1', 40_000, async () => {
      const p = await core.readNamespacedPod({ name: 'flaky', namespace: ns });
      const cs = p.status?.containerStatuses?.[0];
      return cs?.restartCount === 1 && cs.state?.running ? p : undefined;
    });
    assert.equal(pod.status!.containerStatuses![0].lastState!.terminated!.exitCode, 137);
    const previous = await kubectl(['logs', 'flaky', '--previous']);
    assert.match(previous, /"GET \/no-such-path HTTP\/1\.1" 404 .*kube-probe/);
    assert.match(previous, /container exited: liveness probe failed/);
    const current = await kubectl(['logs', 'flaky']);
    assert.match(current, /listening on 127\.24\d\.\d+\.\d+:80/);
    assert.doesNotMatch(current, /container exited/);
  });

  it('kubectl logs -f follows new access-log lines; kubectl exec runs in the pod\'s directory', async () => {
    await core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'steady' }, spec: { containers: [{ name: 'payment', image: 'weaveworksdemos/payment:0.4.3' }] } } });
    const pod = await until('the pod running in the lab kubelet', 30_000, async () => {
      const p = await core.readNamespacedPod({ name: 'steady', namespace: ns });
      return p.status?.containerStatuses?.[0]?.started && p.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? p : undefined;
    });
    const info = labInfo();
    const follow = spawn(join(info.state.bin, 'kubectl'), ['--kubeconfig', info.kubeconfig, '-n', ns, 'logs', '-f', 'steady']);
    let out = '';
    follow.stdout.on('data', (d: Buffer) => (out += d.toString('utf8')));
    try {
      await until('kubectl logs -f to start', 10_000, () => out.includes('listening on'));
      const tag = `follow-${randomBytes(3).toString('hex')}`;
      const r = await get(`http://${labAddress(pod.status!.podIP!)}:80/health`, { 'User-Agent': tag });
      assert.equal(r.status, 200);
      await until('the new line in the followed log', 10_000, () => out.includes(tag));
    } finally {
      follow.kill();
    }
    const pwd = (await kubectl(['exec', 'steady', '--', 'pwd'])).trim();
    assert.ok(pwd.endsWith(`/dataplane/pods/${ns}_steady_${pod.metadata!.uid}`), pwd);
  });
});
