// Chaos experiments on the lab's real apiserver and controllers (kwok plays the nodes: pods go Running/Ready and
// a deleted pod is replaced by its ReplicaSet). Pod kills are real API deletes; readiness is read from the API.
//
// One stand-in: the lab's pods run no containers, so nothing in them answers HTTP. The "front-end" the load is
// sent to is a local HTTP server on loopback. For the FAIL run it is wired to the cluster: it watches the
// target's pods and answers 503 for a window after each pod deletion, like a front-end that loses requests
// while a replica is replaced. The load itself is our real engine (worker threads).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { experimentMarkdown, runExperiment, saveExperimentReport, type ExperimentSpec, type Guards } from '../../src/core/chaos/experiment';
import { applyKubeMonkeyLabels } from '../../src/core/chaos/kube';
import type { LoadSpec } from '../../src/core/load/types';
import { labInfo } from './hooks.ts';
import { createFrontEnd, standIn, waitRolledOut } from './stand-in.ts';

const NS = `chaos-it-${randomBytes(3).toString('hex')}`;

function load(url: string): LoadSpec {
  return { target: { url, timeoutMs: 2000 }, model: { kind: 'open', rate: 40, maxConnections: 8 }, maxRequests: 5000, maxDurationSeconds: 12, threads: 1 };
}

const guards: Guards = { namespaceAllowlist: [NS], maxPodsPerKill: 3, maxDurationSeconds: 60 };

function spec(url: string, extra: Partial<ExperimentSpec> = {}): ExperimentSpec {
  return {
    namespace: NS,
    targets: ['front-end'],
    kill: { mode: 'fixed', value: 1 },
    intervalSeconds: 3,
    durationSeconds: 12,
    load: load(url),
    hypothesis: { maxFailPercent: 1, maxP95Ms: 500, recoverySeconds: 15 },
    gracePeriodSeconds: 0,
    ...extra,
  };
}

describe('chaos experiment on the lab', function () {
  this.timeout(90_000);
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  const podNames = async () =>
    (await core.listNamespacedPod({ namespace: NS, labelSelector: 'name=front-end' })).items.filter((p) => !p.metadata?.deletionTimestamp).map((p) => p.metadata!.name!).sort();

  const waitReady = (n: number) => waitRolledOut(kc, NS, 'front-end', n, 60_000);

  before(async () => {
    kc = new k8s.KubeConfig();
    kc.loadFromFile(labInfo().kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await createFrontEnd(kc, NS, 3);
    await applyKubeMonkeyLabels(kc, NS, 'front-end', { identifier: 'front-end', mtbf: 1, killMode: 'fixed', killValue: 1 });
    await waitReady(3);
  });

  after(async () => {
    await core?.deleteNamespace({ name: NS }).catch(() => undefined);
  });

  it('PASS: the front-end keeps answering while a pod is killed every 3 s', async () => {
    const s = await standIn(kc, NS, false);
    try {
      const events: string[] = [];
      const r = await runExperiment(kc, spec(s.url), { guards, onEvent: (e) => events.push(e.type) });
      const md = experimentMarkdown(r);
      assert.equal(r.verdict, 'PASS', md);
      assert.deepEqual(r.kills.map((k) => k.pods.length), [1, 1, 1], 'kills at 3, 6 and 9 s, one pod each');
      assert.deepEqual(r.kills.map((k) => Math.round(k.t)), [3, 6, 9]);
      // The stand-in saw exactly the pods the experiment deleted.
      assert.equal(s.deletions.length, 3);
      assert.ok(r.load!.requests > 300, `load ran: ${r.load!.requests} requests`);
      assert.equal(r.load!.failures, 0);
      assert.ok(r.samples.length >= 10, `sampled every second: ${r.samples.length}`);
      assert.ok(r.checks.find((c) => c.name === 'recovery')!.ok);
      assert.ok(events.includes('kill') && events.includes('sample'));
      // Each victim's last words were taken before its delete: its container states and its events (Scheduled at least).
      for (const k of r.kills) {
        assert.deepEqual(k.lastWords?.map((w) => w.pod), k.pods);
        for (const w of k.lastWords!) {
          assert.match(w.containers[0] ?? '', /^front-end: running, ready, 0 restarts$/, JSON.stringify(w));
          assert.ok(w.events.some((e) => /Scheduled/.test(e)), JSON.stringify(w));
        }
      }
      assert.match(md, /## Victims' last words/);
      const dir = mkdtempSync(join(tmpdir(), 'chaos-report-'));
      const saved = await saveExperimentReport(dir, r);
      assert.match(readFileSync(saved.markdown, 'utf8'), /# Chaos experiment: PASS/);
      assert.equal(JSON.parse(readFileSync(saved.json, 'utf8')).verdict, 'PASS');
      await waitReady(3);
    } finally {
      await s.close();
    }
  });

  it('FAIL: the front-end answers 503 for a while after each kill — the evidence lines the failures up with the kills', async () => {
    const s = await standIn(kc, NS, true);
    try {
      // Kills 4 s apart so that the 1 s failure windows stay apart in one-second samples.
      const r = await runExperiment(kc, spec(s.url, { intervalSeconds: 4, durationSeconds: 14, load: { ...load(s.url), maxDurationSeconds: 14 } }), { guards });
      const md = experimentMarkdown(r);
      assert.equal(r.verdict, 'FAIL', md);
      const failures = r.checks.find((c) => c.name === 'failures')!;
      assert.equal(failures.ok, false);
      assert.ok((r.load!.failuresByCause['HTTP 503'] ?? 0) > 0, JSON.stringify(r.load!.failuresByCause));
      const kills = r.kills.filter((k) => k.pods.length);
      assert.equal(kills.length, 3);
      // Each kill is followed by a failure window that starts at the kill (±1 s sample boundary, + watch latency).
      assert.ok(failures.evidence.length >= 3, failures.evidence.join('\n'));
      for (const k of kills) {
        const line = failures.evidence.find((e) => e.includes(`kill at t=${k.t} s`));
        assert.ok(line, `no failure window attributed to the kill at t=${k.t} s:\n${failures.evidence.join('\n')}`);
        // Either the kill falls in the window's first one-second sample, or the window starts at most 1.5 s later.
        const after = /, ([0-9.]+) s after the kill/.exec(line!);
        assert.ok(line!.includes('falls in its first second') || Number(after?.[1]) <= 1.5, line);
      }
      // And no failure window before the first kill.
      const firstKill = Math.min(...kills.map((k) => k.time));
      const early = r.loadTimeline.filter((x) => x.time < firstKill - 1000 && x.failPercent > 0);
      assert.deepEqual(early, []);
      assert.match(md, /FAIL — failures/);
      assert.match(md, /◆ front-end −1/);
      await waitReady(3);
    } finally {
      await s.close();
    }
  });

  it('Abort stops load and kills at once and leaves nothing running', async () => {
    const s = await standIn(kc, NS, false);
    try {
      const ac = new AbortController();
      const t0 = Date.now();
      setTimeout(() => ac.abort(), 4000);
      const r = await runExperiment(kc, spec(s.url, { durationSeconds: 30, intervalSeconds: 3, load: { ...load(s.url), maxDurationSeconds: 30 } }), { guards: { ...guards }, signal: ac.signal });
      const took = Date.now() - t0;
      assert.equal(r.verdict, 'ABORTED');
      assert.ok(took < 8000, `returned ${took} ms after the start (abort at 4 s)`);
      assert.equal(r.kills.filter((k) => k.pods.length).length, 1, 'only the kill at 3 s happened');
      assert.equal(r.load!.endReason, 'stopped');
      const requests = r.load!.requests;
      const deletions = s.deletions.length;
      let hits = 0;
      s.server.on('request', () => hits++);
      await new Promise((res) => setTimeout(res, 4000));
      assert.equal(s.deletions.length, deletions, 'no pod deleted after the abort');
      assert.equal(hits, 0, 'no request after the abort');
      assert.ok(requests > 0);
      await waitReady(3);
    } finally {
      await s.close();
    }
  });

  it('dry run plans the kills and deletes nothing', async () => {
    const before = await podNames();
    const r = await runExperiment(kc, spec('http://127.0.0.1:9/', { dryRun: true }), { guards });
    assert.equal(r.verdict, 'DRY RUN');
    assert.deepEqual(r.plan!.map((p) => [p.t, p.wouldKill]), [[3, 1], [6, 1], [9, 1]]);
    assert.ok(r.plan!.every((p) => p.livePods === 3 && before.includes(p.examplePods[0])));
    assert.deepEqual(await podNames(), before);
    assert.deepEqual(r.kills, []);
  });

  it('guards: kube-system is refused whatever the allowlist says, and so is a namespace outside it', async () => {
    await assert.rejects(runExperiment(kc, { ...spec('http://127.0.0.1:9/'), namespace: 'kube-system' }, { guards: { ...guards, namespaceAllowlist: ['kube-system'] } }), /never touch kube-system/);
    await assert.rejects(runExperiment(kc, spec('http://127.0.0.1:9/'), { guards: { ...guards, namespaceAllowlist: ['sock-shop'] } }), /not in sockShop\.chaos\.namespaceAllowlist/);
  });

  it('does not start when the steady state does not hold before: a load target that refuses, a Service with no ready endpoint', async () => {
    const pods = await podNames();
    // Nothing listens on port 9 of loopback (discard): the default before-check sees the target refuse.
    const r1 = await runExperiment(kc, spec('http://127.0.0.1:9/'), { guards });
    assert.equal(r1.verdict, 'NOT STARTED', experimentMarkdown(r1));
    assert.deepEqual(r1.kills, []);
    assert.equal(r1.checks[0].name, 'steady-state-before');
    assert.match(r1.checks[0].summary, /GET http:\/\/127\.0\.0\.1:9\/ answers below 500 — no answer: ECONNREFUSED/);
    // This namespace has no front-end Service: its endpoints probe fails, whatever the load target does.
    const s = await standIn(kc, NS, false);
    try {
      const r2 = await runExperiment(kc, spec(s.url, { steadyState: { probes: [{ kind: 'endpoints', service: 'front-end', minReady: 1 }] } }), { guards });
      assert.equal(r2.verdict, 'NOT STARTED');
      assert.match(r2.checks[0].summary, /Service front-end has ≥ 1 ready endpoint — 0 ready endpoints \(no EndpointSlice: is the Service there\?\)/);
      assert.equal(r2.load, undefined, 'no load was sent');
      assert.equal(s.requests, 0, 'the load target saw no request');
    } finally {
      await s.close();
    }
    assert.deepEqual(await podNames(), pods, 'no pod was deleted');
  });

  it('a steady-state breach during the faults stops them within one probe interval, and the report shows it', async () => {
    const s = await standIn(kc, NS, true);
    try {
      const probeEvery = 0.5;
      const r = await runExperiment(
        kc,
        spec(s.url, { intervalSeconds: 3, durationSeconds: 12, steadyState: { probes: [{ kind: 'http', url: s.url, expectStatus: [200] }], duringIntervalSeconds: probeEvery, tolerance: 0 } }),
        { guards },
      );
      const md = experimentMarkdown(r);
      assert.equal(r.verdict, 'FAIL', md);
      const kills = r.kills.filter((k) => k.pods.length);
      assert.equal(kills.length, 1, `the faults stopped after the first kill:\n${md}`);
      const during = r.checks.find((c) => c.name === 'steady-state-during')!;
      assert.equal(during.ok, false);
      const at = Number(/broke at t=([0-9.]+) s/.exec(during.summary)?.[1]);
      // The 503 window opens when the stand-in sees the deletion; the next probe round (≤ 0.5 s later, plus its own request) sees it.
      assert.ok(at - kills[0].t <= probeEvery + 0.5, `breach at t=${at} s, kill at t=${kills[0].t} s`);
      assert.match(during.summary, /HTTP 503/);
      assert.ok(Date.parse(r.endedAt) - Date.parse(r.startedAt) < 12_000 + 15_000, 'it did not run its whole duration of load');
      assert.match(md, /steady-state-during/);
      assert.ok(r.checks.find((c) => c.name === 'steady-state-after')?.ok, 'after the recovery the steady state holds again');
      await waitReady(3);
    } finally {
      await s.close();
    }
  });

  it('node drain honours a PodDisruptionBudget: the refused eviction is in the report, and the node is uncordoned afterwards', async () => {
    const policy = kc.makeApiClient(k8s.PolicyV1Api);
    // All three pods must stay available: the budget allows no disruption, so every eviction is refused.
    await policy.createNamespacedPodDisruptionBudget({ namespace: NS, body: { metadata: { name: 'front-end' }, spec: { minAvailable: 3, selector: { matchLabels: { name: 'front-end' } } } } });
    const s = await standIn(kc, NS, false);
    try {
      // The disruption controller must have computed the budget's status before evictions are judged by it.
      const deadline = Date.now() + 30_000;
      for (;;) {
        const st = (await policy.readNamespacedPodDisruptionBudget({ name: 'front-end', namespace: NS })).status;
        if (st?.currentHealthy === 3 && st.disruptionsAllowed === 0 && st.observedGeneration) break;
        if (Date.now() > deadline) throw new Error(`the PodDisruptionBudget status never settled: ${JSON.stringify(st)}`);
        await new Promise((r) => setTimeout(r, 250));
      }
      const pods = await podNames();
      const r = await runExperiment(kc, spec(s.url, { intervalSeconds: 4, durationSeconds: 6, fault: { kind: 'nodeDrain' } }), { guards });
      const md = experimentMarkdown(r);
      const drains = r.kills.filter((k) => k.evictions?.length);
      assert.equal(drains.length, 1, md);
      const d = drains[0];
      assert.ok(d.evictions!.every((e) => !e.evicted && e.status === 429), md);
      assert.match(d.evictions![0].message ?? '', /Cannot evict pod as it would violate the pod's disruption budget/);
      assert.match(md, /## Evictions \(node drain\)/);
      assert.match(md, /refused \(HTTP 429\): Cannot evict pod as it would violate the pod's disruption budget/);
      assert.deepEqual(await podNames(), pods, 'no pod was evicted');
      const node = await core.readNode({ name: d.node! });
      assert.notEqual(node.spec?.unschedulable, true, 'the node is schedulable again');
      assert.match(r.notes.join('\n'), new RegExp(`Node ${d.node} was cordoned for the drain and is schedulable again`));
    } finally {
      await s.close();
      await policy.deleteNamespacedPodDisruptionBudget({ name: 'front-end', namespace: NS }).catch(() => undefined);
    }
  });
});
