import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { adviseFromResult, applyAdvice, deploymentsIn, PRESTOP_SECONDS, PROPOSED_REPLICAS, type Advice } from '../../src/core/chaos/advice';
import type { ExperimentResult } from '../../src/core/chaos/experiment';

const FRONT_END = readFileSync(join(__dirname, '..', '..', 'manifests', 'sock-shop', 'front-end.yaml'), 'utf8');
const docs = (text: string) => parseAllDocuments(text as string) as unknown as { toJS(): Record<string, any> }[];

/** A FAIL run of front-end with `desired` replicas, failures starting at each kill. */
function failedRun(desired: number, opts: { recoveryOk?: boolean } = {}): ExperimentResult {
  const t0 = Date.parse('2026-12-02T10:00:00Z');
  const kills = [1, 2].map((i) => ({ time: t0 + i * 10_000, t: i * 10, deployment: 'front-end', requested: 1, pods: [`front-end-${i}`], capped: false, errors: [] }));
  return {
    spec: { namespace: 'sock-shop', targets: ['front-end'], kill: { mode: 'fixed', value: 1 }, intervalSeconds: 10, durationSeconds: 30, hypothesis: { maxFailPercent: 0, maxP95Ms: 1000, recoverySeconds: 5 } },
    guards: { namespaceAllowlist: ['sock-shop'], maxPodsPerKill: 3, maxDurationSeconds: 600 },
    startedAt: new Date(t0).toISOString(),
    endedAt: new Date(t0 + 30_000).toISOString(),
    verdict: 'FAIL',
    checks: [
      {
        name: 'failures',
        ok: false,
        summary: 'failure rate 6.1% (61 of 1000) > 0%',
        evidence: kills.map((k) => `failures over 0% from t=${k.t} s to t=${k.t + 2} s (peak 100%), the kill at t=${k.t} s (front-end: ${k.pods[0]}) falls in its first second`),
      },
      { name: 'recovery', ok: opts.recoveryOk ?? true, summary: opts.recoveryOk === false ? '2 of 2 kills not recovered within 5 s' : 'every target back', evidence: [] },
    ],
    kills,
    samples: [{ time: t0 + 1000, t: 1, ready: { 'front-end': { ready: desired, desired, pods: desired } } }],
    loadTimeline: [],
    notes: [],
  };
}

describe('chaos advice: from a failed verdict to manifest changes', () => {
  it('reads the facts advice needs from a manifest file', () => {
    assert.deepEqual(deploymentsIn(FRONT_END).map((d) => d.facts), [
      { name: 'front-end', replicas: 4, readiness: { initialDelaySeconds: 10, periodSeconds: 3 }, preStop: false, pdb: false },
    ]);
  });

  it('one replica and failures → more replicas and a PodDisruptionBudget', () => {
    const one = FRONT_END.replace('replicas: 4', 'replicas: 1');
    const advice = adviseFromResult(failedRun(1), deploymentsIn(one).map((d) => d.facts));
    assert.deepEqual(advice.map((a) => a.kind), ['replicas', 'pdb']);
    assert.match(advice[0].reason, /front-end ran 1 replica: each of its 2 kills left no pod to serve \(failure rate 6\.1%/);
    const edited = applyAdvice(applyAdvice(one, advice[0])!, advice[1])!;
    const js = docs(edited).map((d) => d.toJS());
    assert.equal(js[0].spec.replicas, PROPOSED_REPLICAS);
    assert.deepEqual(js.map((d) => d.kind), ['Deployment', 'PodDisruptionBudget', 'Service']);
    assert.deepEqual(js[1].spec, { minAvailable: 1, selector: { matchLabels: { name: 'front-end' } } });
    // The PDB now matches, so the facts change and the same advice is not offered again.
    assert.deepEqual(deploymentsIn(edited)[0].facts.pdb, true);
    assert.equal(applyAdvice(edited, advice[0]), undefined, 'replicas already enough: no edit');
  });

  it('several replicas with failures at each kill → a preStop pause (comments and other documents kept)', () => {
    const advice = adviseFromResult(failedRun(4), deploymentsIn(FRONT_END).map((d) => d.facts));
    assert.deepEqual(advice.map((a) => a.kind), ['preStop']);
    assert.match(advice[0].reason, /Failures started at 2 of 2 kills of front-end/);
    const edited = applyAdvice(FRONT_END, advice[0])!;
    const [dep, svc] = docs(edited).map((d) => d.toJS());
    assert.deepEqual(dep.spec.template.spec.containers[0].lifecycle, { preStop: { exec: { command: ['sleep', String(PRESTOP_SECONDS)] } } });
    assert.deepEqual(svc, docs(FRONT_END)[1].toJS());
    assert.ok(edited.startsWith('# front-end: the web shop'), 'the header comment is kept');
    assert.equal(applyAdvice(edited, advice[0]), undefined, 'already there: no edit');
  });

  it('no readiness probe → one is added on the container port; slow recovery → sooner probe timings', () => {
    const noProbe = FRONT_END.replace(/ {10}readinessProbe:\n( {12}.*\n| {14}.*\n)+/, '');
    const facts = deploymentsIn(noProbe)[0].facts;
    assert.equal(facts.readiness, undefined);
    const advice = adviseFromResult(failedRun(4), [facts]);
    assert.deepEqual(advice.map((a) => a.kind), ['preStop', 'readiness']);
    const withProbe = applyAdvice(noProbe, advice[1])!;
    assert.deepEqual(docs(withProbe)[0].toJS().spec.template.spec.containers[0].readinessProbe, { httpGet: { path: '/', port: 8079 }, initialDelaySeconds: 2, periodSeconds: 2 });

    const slow = adviseFromResult(failedRun(4, { recoveryOk: false }), deploymentsIn(FRONT_END).map((d) => d.facts)).find((a) => a.kind === 'probeTimings')!;
    assert.match(slow.reason, /waits 10 s and checks every 3 s/);
    const tuned = docs(applyAdvice(FRONT_END, slow)!)[0].toJS().spec.template.spec.containers[0].readinessProbe;
    assert.equal(tuned.initialDelaySeconds, 2);
    assert.equal(tuned.periodSeconds, 2);
  });

  it('a PASS, a target without a manifest, or a file without that Deployment gives nothing', () => {
    assert.deepEqual(adviseFromResult({ ...failedRun(1), verdict: 'PASS' }, deploymentsIn(FRONT_END).map((d) => d.facts)), []);
    assert.deepEqual(adviseFromResult(failedRun(1), []), []);
    const other: Advice = { deployment: 'carts', kind: 'replicas', reason: '', title: '' };
    assert.equal(applyAdvice(FRONT_END, other), undefined);
    assert.equal(applyAdvice('a: [unclosed', other), undefined);
  });
});
