import assert from 'node:assert/strict';
import { countdown, parseGoTime, parseSchedules, ScheduleReader, type KubeMonkeySchedule, parseTermination } from '../../src/core/chaos/schedule';

// kube-monkey's output, byte for byte as internal/pkg/schedule/schedule.go prints it (its Today, HeaderRow,
// SepRow, RowFormat and End constants; kind is Go's %T of appsv1.Deployment), between glog lines on stderr.
const LOG = [
  'I1202 02:40:00.000000       1 kubemonkey.go:20] Status Update: Generating schedule for terminations',
  "\t********** Today's schedule **********",
  '\tk8 Api Kind\tKind Namespace\tKind Name\t\tTermination Time',
  '\t-----------\t--------------\t---------\t\t----------------',
  '\tv1.Deployment\tsock-shop\tfront-end\t\t12/02/2026 10:44:05 +0800 +08',
  '\tv1.Deployment\tsock-shop\tcarts\t\t12/02/2026 10:44:37 +0800 +08',
  '\t********** End of schedule **********',
  'I1202 02:40:00.000100       1 kubemonkey.go:62] Status Update: 2 scheduled terminations',
  '',
].join('\n');

// A release before the namespace column, with KUBE_MONKEY_ID set, and a day without terminations.
const OLD = [
  "\t********** Today's schedule **********",
  '\tKubeMonkey ID: workshop',
  '\tk8 Api Kind\tKind Name\t\tTermination Time',
  '\t-----------\t---------\t\t----------------',
  '\tv1.Deployment\tfront-end\t\t12/02/2026 16:00:00 +0000 UTC',
  '\t********** End of schedule **********',
  "\t********** Today's schedule **********",
  '\tNo terminations scheduled',
  '\t********** End of schedule **********',
].join('\n');

describe("kube-monkey's schedule from its log", () => {
  it('reads the termination times of the current format', () => {
    const [s] = parseSchedules(LOG);
    assert.deepEqual(s.entries.map((e) => [e.kind, e.namespace, e.name, new Date(e.killAt).toISOString()]), [
      ['v1.Deployment', 'sock-shop', 'front-end', '2026-12-02T02:44:05.000Z'],
      ['v1.Deployment', 'sock-shop', 'carts', '2026-12-02T02:44:37.000Z'],
    ]);
    assert.equal(s.entries[0].printed, '12/02/2026 10:44:05 +0800 +08');
  });

  it('reads the older three-column format, the ID line, and an empty day', () => {
    const all = parseSchedules(OLD);
    assert.equal(all.length, 2);
    assert.equal(all[0].id, 'workshop');
    assert.deepEqual(all[0].entries.map((e) => [e.namespace, e.name, new Date(e.killAt).toISOString()]), [[undefined, 'front-end', '2026-12-02T16:00:00.000Z']]);
    assert.deepEqual(all[1].entries, []);
  });

  it('follows a log stream: time-stamped lines (kubectl logs --timestamps) split anywhere, a block reported once complete', () => {
    const stamped = LOG.split('\n').map((l, i) => (l ? `2026-12-02T02:40:00.${String(i).padStart(6, '0')}Z ${l}` : l)).join('\n');
    const seen: KubeMonkeySchedule[] = [];
    const r = new ScheduleReader((s) => seen.push(s));
    for (let i = 0; i < stamped.length; i += 7) {
      r.push(stamped.slice(i, i + 7));
      if (i + 7 < stamped.indexOf('End of schedule')) assert.equal(seen.length, 0, 'nothing before the end line');
    }
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0].entries.map((e) => e.name), ['front-end', 'carts']);
  });

  it('Go time layout and countdowns', () => {
    assert.equal(parseGoTime('01/02/2006 15:04:05 -0700 MST'), Date.parse('2006-01-02T22:04:05Z'));
    assert.equal(parseGoTime('2026-12-02 10:00'), undefined);
    const now = Date.parse('2026-12-02T02:40:00Z');
    assert.equal(countdown(Date.parse('2026-12-02T02:44:05Z'), now), 'in 4 min 5 s');
    assert.equal(countdown(Date.parse('2026-12-02T02:39:40Z'), now), 'due 20 s ago');
    assert.equal(countdown(Date.parse('2026-12-02T05:10:00Z'), now), 'in 2 h 30 min');
  });
});

describe("kube-monkey's terminations from its log", () => {
  it('reads a carried-out and a failed termination (glog lines, with or without kubectl --timestamps)', () => {
    assert.deepEqual(parseTermination('I1202 10:44:05.000123       1 kubemonkey.go:62] Termination successfully executed for v1.Deployment front-end'), { kind: 'v1.Deployment', name: 'front-end', ok: true });
    assert.deepEqual(parseTermination('2026-12-02T02:44:05.123456789Z I1202 10:44:05.000123       1 kubemonkey.go:62] Termination successfully executed for v1.Deployment front-end\n'.trimEnd()), {
      kind: 'v1.Deployment',
      name: 'front-end',
      ok: true,
      at: Date.parse('2026-12-02T02:44:05.123456789Z'),
    });
    assert.deepEqual(parseTermination('E1202 10:44:05.000123       1 kubemonkey.go:60] Failed to execute termination for v1.Deployment carts. Error: no pods eligible for termination'), {
      kind: 'v1.Deployment',
      name: 'carts',
      ok: false,
      error: 'no pods eligible for termination',
    });
    assert.equal(parseTermination("\t********** Today's schedule **********"), undefined);
  });
});
