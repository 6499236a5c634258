// The experiment's pure parts: kube-monkey's kill arithmetic, the schedule, the guards, and the verdict with its
// evidence from observed series (the cluster run itself is in test/integration/chaos-experiment.test.ts).
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  checkExperiment,
  evaluate,
  experimentMarkdown,
  killTimes,
  pickRandom,
  podsToKill,
  recoveryTimes,
  saveExperimentReport,
  windowsOver,
  type ExperimentResult,
  type ExperimentSpec,
  type Guards,
  type KillEvent,
  type Sample,
} from '../../src/core/chaos/experiment';
import type { LiveStats } from '../../src/core/load/types';

const guards: Guards = { namespaceAllowlist: ['sock-shop'], maxPodsPerKill: 3, maxDurationSeconds: 600 };
const spec: ExperimentSpec = {
  namespace: 'sock-shop',
  targets: ['front-end'],
  kill: { mode: 'fixed', value: 1 },
  intervalSeconds: 3,
  durationSeconds: 12,
  load: { target: { url: 'http://127.0.0.1:8079/', headers: { Authorization: 'Basic c2VjcmV0' } }, model: { kind: 'open', rate: 10, maxConnections: 4 }, maxRequests: 1000, maxDurationSeconds: 12 },
  hypothesis: { maxFailPercent: 1, maxP95Ms: 500, recoverySeconds: 10 },
};

const T0 = 1_700_000_000_000;
function stats(sec: number, failPercent: number, p95Ms = 10): LiveStats {
  return { time: T0 + sec * 1000, elapsedSeconds: sec, rps: 40, failPercent, p50Ms: 2, p95Ms, p99Ms: p95Ms, activeUsers: 0, totalRequests: sec * 40, totalFailures: 0, state: 'running' };
}
function sample(sec: number, ready: number, desired = 3): Sample {
  return { time: T0 + sec * 1000, t: sec, ready: { 'front-end': { ready, desired, pods: ready } } };
}
function kill(sec: number, pods = ['front-end-abc']): KillEvent {
  return { time: T0 + sec * 1000, t: sec, deployment: 'front-end', requested: pods.length, pods, capped: false, errors: [] };
}
const load = (failPercent: number, p95 = 10) => ({ failPercent, requests: 480, failures: Math.round(4.8 * failPercent), latencyMs: { p95 }, failuresByCause: (failPercent ? { 'HTTP 503': Math.round(4.8 * failPercent) } : {}) as Record<string, number> });

describe('chaos experiment: kill arithmetic and schedule', () => {
  it('kills as kube-monkey does: fixed N, fixed %, random up to %, all', () => {
    assert.equal(podsToKill({ mode: 'kill-all' }, 4), 4);
    assert.equal(podsToKill({ mode: 'fixed', value: 2 }, 4), 2);
    assert.equal(podsToKill({ mode: 'fixed', value: 9 }, 4), 4);
    assert.equal(podsToKill({ mode: 'fixed-percent', value: 50 }, 4), 2);
    assert.equal(podsToKill({ mode: 'fixed-percent', value: 30 }, 4), 1);
    assert.equal(podsToKill({ mode: 'fixed-percent', value: 10 }, 4), 0);
    assert.equal(podsToKill({ mode: 'random-max-percent', value: 50 }, 4, () => 0), 0);
    assert.equal(podsToKill({ mode: 'random-max-percent', value: 50 }, 4, () => 0.999), 2);
    const draws = new Set(Array.from({ length: 200 }, (_, i) => podsToKill({ mode: 'random-max-percent', value: 100 }, 4, () => (i % 100) / 100)));
    assert.deepEqual([...draws].sort(), [0, 1, 2, 3, 4]);
  });

  it('schedules a kill every interval before the end', () => {
    assert.deepEqual(killTimes(3, 12), [3, 6, 9]);
    assert.deepEqual(killTimes(4, 14), [4, 8, 12]);
    assert.deepEqual(killTimes(30, 120), [30, 60, 90]);
  });

  it('picks distinct victims', () => {
    const p = pickRandom(['a', 'b', 'c', 'd'], 3);
    assert.equal(new Set(p).size, 3);
    assert.deepEqual(pickRandom(['a'], 0), []);
  });
});

describe('chaos experiment: guards', () => {
  it('accepts a sane experiment', () => checkExperiment(spec, guards));
  it('never kube-system, even when allowlisted', () => {
    assert.throws(() => checkExperiment({ ...spec, namespace: 'kube-system' }, { ...guards, namespaceAllowlist: ['kube-system'] }), /never touch kube-system/);
  });
  it('only allowlisted namespaces', () => assert.throws(() => checkExperiment({ ...spec, namespace: 'prod' }, guards), /namespaceAllowlist/));
  it('duration within sockShop.load.maxDurationSeconds', () => assert.throws(() => checkExperiment({ ...spec, durationSeconds: 601 }, guards), /maxDurationSeconds/));
  it('kill values as kube-monkey accepts them', () => {
    assert.throws(() => checkExperiment({ ...spec, kill: { mode: 'fixed-percent', value: 150 } }, guards), /at most 100/);
    assert.throws(() => checkExperiment({ ...spec, kill: { mode: 'fixed' } }, guards), /missing/);
  });
  it('an interval that leaves room for a kill, targets, and sane hypothesis numbers', () => {
    assert.throws(() => checkExperiment({ ...spec, intervalSeconds: 12 }, guards), /no kill would happen/);
    assert.throws(() => checkExperiment({ ...spec, targets: [] }, guards), /at least one target/);
    assert.throws(() => checkExperiment({ ...spec, hypothesis: { ...spec.hypothesis, maxFailPercent: 120 } }, guards), /percentage/);
    assert.throws(() => checkExperiment(spec, { ...guards, maxPodsPerKill: 0 }), /maxPodsPerKill/);
  });
});

describe('chaos experiment: verdict and evidence', () => {
  const quietTimeline = Array.from({ length: 12 }, (_, i) => stats(i + 1, 0));
  const healthySamples = Array.from({ length: 14 }, (_, i) => sample(i + 0.5, 3));

  it('PASS when the load stays clean and every kill recovers in time', () => {
    const kills = [kill(3), kill(6), kill(9)];
    const samples = healthySamples.map((s) => (s.t === 3.5 || s.t === 6.5 ? sample(s.t, 2) : s));
    const r = evaluate(spec, { kills, samples, loadTimeline: quietTimeline, load: load(0), startedAt: T0 });
    assert.equal(r.verdict, 'PASS');
    assert.deepEqual(r.checks.map((c) => [c.name, c.ok]), [['failures', true], ['latency', true], ['recovery', true]]);
    assert.deepEqual(recoveryTimes(kills, samples).map((x) => x.seconds), [1.5, 1.5, 0.5]);
  });

  it('FAIL with the failure windows lined up against the kills that preceded them', () => {
    const kills = [kill(3), kill(6)];
    const timeline = quietTimeline.map((s) => ([4, 7].includes(s.elapsedSeconds) ? stats(s.elapsedSeconds, 100) : s));
    const r = evaluate(spec, { kills, samples: healthySamples, loadTimeline: timeline, load: load(16.7), startedAt: T0 });
    assert.equal(r.verdict, 'FAIL');
    const f = r.checks.find((c) => c.name === 'failures')!;
    assert.equal(f.ok, false);
    assert.match(f.summary, /failure rate 16\.7% .* > 1% — HTTP 503/);
    assert.deepEqual(f.evidence, [
      'failures over 1% from t=3 s to t=4 s (peak 100%), the kill at t=3 s (front-end: front-end-abc) falls in its first second',
      'failures over 1% from t=6 s to t=7 s (peak 100%), the kill at t=6 s (front-end: front-end-abc) falls in its first second',
    ]);
  });

  it('FAIL on latency and on recovery, each with its numbers', () => {
    const timeline = quietTimeline.map((s) => (s.elapsedSeconds === 5 ? stats(5, 0, 900) : s));
    const samples = healthySamples.map((s) => (s.t > 3 ? sample(s.t, 2) : s));
    const r = evaluate(spec, { kills: [kill(3)], samples, loadTimeline: timeline, load: load(0, 900), startedAt: T0 });
    assert.equal(r.verdict, 'FAIL');
    const lat = r.checks.find((c) => c.name === 'latency')!;
    assert.equal(lat.ok, false);
    assert.match(lat.summary, /p95 latency 900 ms > 500 ms/);
    assert.match(lat.evidence[0], /from t=4 s to t=5 s \(peak 900 ms\), 1 s after the kill at t=3 s/);
    const rec = r.checks.find((c) => c.name === 'recovery')!;
    assert.equal(rec.ok, false);
    assert.match(rec.evidence[0], /not back to 3 ready \(lowest 2 ready\) — over the bound/);
  });

  it('windows of a series over a limit, merging adjacent seconds', () => {
    const w = windowsOver([stats(1, 0), stats(2, 5), stats(3, 50), stats(4, 0), stats(5, 2)], (s) => s.failPercent, 1);
    assert.deepEqual(w.map((x) => [(x.from - T0) / 1000, (x.to - T0) / 1000, x.peak, x.samples]), [[1, 3, 50, 2], [4, 5, 2, 1]]);
  });

  it('report: Markdown with kill markers in the timeline, JSON beside it, credentials redacted', async () => {
    const kills = [kill(3)];
    const samples = [sample(2.5, 3), { ...sample(3.5, 2), rps: 40, failPercent: 50, p95Ms: 12 }, sample(4.5, 3)];
    const ev = evaluate(spec, { kills, samples, loadTimeline: [stats(3, 0), stats(4, 50)], load: load(10), startedAt: T0 });
    const result: ExperimentResult = {
      spec,
      guards,
      startedAt: new Date(T0).toISOString(),
      endedAt: new Date(T0 + 13_000).toISOString(),
      ...ev,
      kills,
      samples,
      loadTimeline: [],
      notes: [],
    };
    const md = experimentMarkdown(result);
    assert.match(md, /^# Chaos experiment: FAIL/);
    assert.match(md, /\| 3\.5 \| ◆ front-end −1 \| 40 \|/);
    assert.match(md, /FAIL — failures/);
    const dir = mkdtempSync(join(tmpdir(), 'chaos-unit-'));
    const saved = await saveExperimentReport(dir, result);
    assert.ok(saved.markdown.includes(join('.sockshop', 'reports', 'chaos-')));
    const json = readFileSync(saved.json, 'utf8');
    assert.ok(!json.includes('c2VjcmV0'), 'the Authorization header is not written');
    assert.equal(JSON.parse(json).spec.load.target.headers.Authorization, '<redacted>');
  });
});
