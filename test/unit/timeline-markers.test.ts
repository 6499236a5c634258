// One timeline: a chaos experiment's faults as markers (what happened, what it hit), placed on the Load
// panel's x axis (seconds since the load started) next to a per-second readiness lane, and listed under
// the charts; the shared bridge answers each webview request with its own reply.
import { strict as assert } from 'node:assert';
import type { LiveStats, ReadinessSample } from '../../src/common/contracts/load';
import { killMarker } from '../../src/core/chaos/markers';
import type { KillEvent } from '../../src/core/chaos/experiment';
import { markerTitle } from '../../src/webview/chart-interactions';
import { loadStart, markerLine, markerSeconds, readinessData } from '../../src/webview/load/view';

const kill = (over: Partial<KillEvent> = {}): KillEvent => ({ time: 1_000_000 + 8_100, t: 8.1, deployment: 'front-end', requested: 1, pods: ['front-end-997cfdc8c-jntbl'], capped: false, errors: [], ...over });

describe('fault markers on one timeline', () => {
  it('a kill is marked with the Deployment and what it took; the pods are in its hover', () => {
    const m = killMarker(kill())!;
    assert.deepEqual(m, { time: 1_008_100, kind: 'kill', label: 'kill front-end −1', detail: 'front-end-997cfdc8c-jntbl' });
    assert.equal(markerTitle(m), 'kill front-end −1\nfront-end-997cfdc8c-jntbl');
    assert.equal(killMarker(kill({ pods: ['a', 'b', 'c'], requested: 4, capped: true }))!.label, 'kill front-end −3 (capped)');
    assert.match(killMarker(kill({ errors: ['pods "x" not found'] }))!.detail, /— pods "x" not found$/);
  });

  it('a kill that hit nothing is not marked', () => {
    assert.equal(killMarker(kill({ pods: [] })), undefined);
  });

  it('a drain says what was evicted and what a PodDisruptionBudget refused', () => {
    const m = killMarker(
      kill({
        node: 'lab-pool-02',
        pods: [],
        evictions: [
          { pod: 'front-end-a', evicted: true },
          { pod: 'front-end-b', evicted: false, status: 429, message: "Cannot evict pod as it would violate the pod's disruption budget." },
        ],
      }),
    )!;
    assert.equal(m.label, 'drain lab-pool-02: 1 evicted, 1 refused');
    assert.equal(m.detail, "evicted front-end-a; refused front-end-b (Cannot evict pod as it would violate the pod's disruption budget.)");
  });

  it('a container kill names the container; the pods stay (they are its hover)', () => {
    assert.deepEqual(killMarker(kill({ container: 'front-end' })), { time: 1_008_100, kind: 'kill', label: 'kill container front-end in front-end −1', detail: 'front-end-997cfdc8c-jntbl' });
  });

  it('a scale-down says from and to', () => {
    assert.equal(killMarker(kill({ pods: [], scaled: { from: 4, to: 1 } }))!.label, 'scale front-end 4 → 1');
  });

  it('markers sit at seconds since the load started (from the samples, else the run start)', () => {
    const timeline = [{ time: 1_002_000, elapsedSeconds: 2 }, { time: 1_003_000, elapsedSeconds: 3 }] as LiveStats[];
    assert.equal(loadStart(timeline, { startedAt: 999_000 }), 1_000_000);
    assert.equal(loadStart([], { startedAt: 999_000 }), 999_000);
    assert.equal(loadStart([], undefined), undefined);
    assert.equal(markerSeconds({ time: 1_008_149 }, 1_000_000), 8.1);
    assert.equal(markerLine(killMarker(kill())!, 1_000_000), '◆ 8.1 s  kill front-end −1 — front-end-997cfdc8c-jntbl');
  });

  it('the readiness lane has one ready series per target, on the same x axis', () => {
    const samples: ReadinessSample[] = [
      { time: 1_001_000, ready: { 'front-end': { ready: 3, desired: 3 }, carts: { ready: 1, desired: 1 } } },
      { time: 1_009_000, ready: { 'front-end': { ready: 2, desired: 3 } } },
    ];
    const d = readinessData(samples, 1_000_000);
    assert.deepEqual(d.targets, ['carts', 'front-end']);
    assert.deepEqual(d.x, [1, 9]);
    assert.deepEqual(d.ready, [[1, 0], [3, 2]]);
    assert.deepEqual(d.desired, [[1, 0], [3, 3]]);
  });
});

describe('container kill', () => {
  it('picks the container named, else the pod\'s first, and none that the pod lacks', async () => {
    const { containerToKill, describeFault } = await import('../../src/core/chaos/faults');
    const pod = { metadata: { name: 'p' }, spec: { containers: [{ name: 'app' }, { name: 'sidecar' }] } };
    assert.equal(containerToKill(pod), 'app');
    assert.equal(containerToKill(pod, 'sidecar'), 'sidecar');
    assert.equal(containerToKill(pod, 'nope'), undefined);
    assert.equal(describeFault({ kind: 'containerKill' }), 'container kill (kill -15 1 in the first container; the pod stays and the container restarts)');
    assert.equal(describeFault({ kind: 'containerKill', container: 'app', signal: 'KILL' }), 'container kill (kill -9 1 in container app; the pod stays and the container restarts)');
  });
});
