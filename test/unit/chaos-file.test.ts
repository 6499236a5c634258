import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseJunit } from 'junit2json';
import { EXIT, parseCliArgs, runCli } from '../../src/core/chaos/cli';
import type { ExperimentResult, KillEvent, Sample } from '../../src/core/chaos/experiment';
import { EXPERIMENT_SCHEMA, experimentFileText, parseExperiment, toSpec, MAX_FILE_CHARS } from '../../src/core/chaos/file';
import { compareRuns, comparisonMarkdown, junitXml, listRuns, runFigures, scorePrediction } from '../../src/core/chaos/history';
import { assertSupported, validate } from '../../src/core/chaos/schema';
import { SETTINGS } from '../../src/core/settings';

const root = join(__dirname, '..', '..');
const EXAMPLE = join(root, 'manifests', 'chaos', 'front-end-pod-kill.chaos.yaml');

const base = (spec: string) => `apiVersion: sockshop.lab/v1
kind: ChaosExperiment
metadata:
  name: t
spec:
${spec}`;
const GOOD_SPEC = `  namespace: sock-shop
  targets: [front-end]
  kill: {mode: fixed, value: 1}
  intervalSeconds: 10
  durationSeconds: 30
  hypothesis: {maxFailPercent: 0}
`;

/** The 1-based line of a problem's range start. */
const lineOf = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

function problems(text: string): { line: number; message: string }[] {
  return parseExperiment(text).problems.map((p) => ({ line: lineOf(text, p.range[0]), message: p.message }));
}

describe('chaos experiment files (*.chaos.yaml)', () => {
  it('the schema uses only keywords the validator checks', () => {
    assert.doesNotThrow(() => assertSupported(EXPERIMENT_SCHEMA));
    assert.throws(() => assertSupported({ type: 'object', properties: { a: { oneOf: [] } as never } }), /"oneOf" at #\/properties\/a is not supported/);
  });

  it('the checked-in example is valid and becomes the runner spec, with the runner limits and not the file deciding the bounds', () => {
    const parsed = parseExperiment(readFileSync(EXAMPLE, 'utf8'));
    assert.deepEqual(parsed.problems, []);
    const spec = toSpec(parsed.experiment!, { url: 'http://127.10.0.1/', limits: { maxRequests: 5000, maxDurationSeconds: 30 } });
    assert.equal(spec.namespace, 'sock-shop');
    assert.deepEqual(spec.targets, ['front-end']);
    assert.deepEqual(spec.kill, { mode: 'fixed', value: 1 });
    assert.deepEqual(spec.load?.model, { kind: 'users', users: 50, spawnRate: 10, waitSeconds: [1, 3], flow: 'index' });
    assert.equal(spec.load?.target.url, 'http://127.10.0.1/');
    assert.equal(spec.load?.maxRequests, 5000);
    assert.equal(spec.load?.maxDurationSeconds, 30, "the load's bound is the runner's when it is shorter than the file's duration");
    assert.deepEqual(spec.hypothesis, { maxFailPercent: 0, maxP95Ms: 1000, recoverySeconds: 60 });
  });

  it('reports an unknown field on its key line with a suggestion, and an unknown kill mode with the choices', () => {
    const text = base(GOOD_SPEC.replace('kill: {mode: fixed, value: 1}', 'kill:\n    mode: kil-all\n    valu: 3'));
    const ps = problems(text);
    assert.deepEqual(
      ps.map((p) => p.line),
      [10, 9],
    );
    assert.match(ps[0].message, /^spec\.kill\.valu is not a field of spec\.kill: did you mean "value"\?$/);
    assert.match(ps[1].message, /^spec\.kill\.mode is "kil-all": use one of kill-all, fixed, random-max-percent, fixed-percent\. Did you mean kill-all\?$/);
  });

  it('says what is missing, and what is of the wrong type', () => {
    const ps = problems(base(GOOD_SPEC.replace('  hypothesis: {maxFailPercent: 0}\n', '').replace('durationSeconds: 30', 'durationSeconds: "30s"')));
    assert.ok(ps.some((p) => p.message === 'spec is missing "hypothesis".'), JSON.stringify(ps));
    assert.ok(ps.some((p) => p.message === 'spec.durationSeconds must be a number, not "30s".'), JSON.stringify(ps));
    assert.deepEqual(problems('apiVersion: v1\nkind: Pod\n').map((p) => p.message).slice(0, 3), ['(top level) is missing "metadata".', '(top level) is missing "spec".', 'apiVersion must be "sockshop.lab/v1", not "v1".']);
  });

  it('refuses kube-system, a missing kill value, percent over 100, an interval not shorter than the duration, and credentials in the URL', () => {
    const msg = (spec: string) => problems(base(spec)).map((p) => p.message);
    assert.deepEqual(msg(GOOD_SPEC.replace('sock-shop', 'kube-system')), ['spec.namespace: chaos experiments never touch kube-system.']);
    assert.deepEqual(msg(GOOD_SPEC.replace('{mode: fixed, value: 1}', '{mode: fixed}')), ['spec.kill is missing "value": kill mode fixed needs a number of pods.']);
    assert.deepEqual(msg(GOOD_SPEC.replace('{mode: fixed, value: 1}', '{mode: fixed-percent, value: 150}')), ['spec.kill.value is 150: fixed-percent takes a percent, at most 100.']);
    assert.deepEqual(msg(GOOD_SPEC.replace('{mode: fixed, value: 1}', '{mode: kill-all, value: 2}')), ['spec.kill.value is not used by kill-all (every pod of each target): remove it.']);
    assert.deepEqual(msg(GOOD_SPEC.replace('intervalSeconds: 10', 'intervalSeconds: 30')), ['spec.intervalSeconds (30) must be shorter than spec.durationSeconds (30): no kill would happen.']);
    assert.deepEqual(msg(GOOD_SPEC + '  load:\n    url: http://user:pw@127.0.0.1/\n    model: {open: {rate: 5}}\n'), ['spec.load.url must not carry credentials (they would end up in reports).']);
    assert.deepEqual(msg(GOOD_SPEC + '  load:\n    model: {open: {rate: 5}, users: {users: 2}}\n'), ['spec.load.model has open, users: give only one.']);
  });

  it('bad YAML, several documents, an empty file and a huge file each get one clear message', () => {
    assert.match(problems(base(GOOD_SPEC) + '  targets: [a\n')[0].message, /^YAML: /);
    assert.equal(problems(base(GOOD_SPEC) + '---\n' + base(GOOD_SPEC))[0].message, 'One experiment per file: this file has 2 YAML documents.');
    assert.match(problems('# nothing\n')[0].message, /The file is empty/);
    const huge = base(GOOD_SPEC) + '#'.repeat(MAX_FILE_CHARS);
    assert.deepEqual(problems(huge).map((p) => p.message), [`The file has ${huge.length.toLocaleString('en-US')} characters; an experiment file is at most 1,000,000. It was not parsed.`]);
  });

  it('a steady state in the file becomes the runner\'s probes, and writes back the same', () => {
    const text = base(
      GOOD_SPEC +
        '  steadyState:\n    probes:\n      - http: {url: "http://127.10.0.1/", expectStatus: [200], maxLatencyMs: 500}\n      - endpoints: {service: front-end, minReady: 2}\n      - replicas: {deployment: front-end, minReady: 3}\n      - promql: {query: "sum(up)", min: 1}\n    duringIntervalSeconds: 2\n    tolerance: 1\n',
    );
    const parsed = parseExperiment(text);
    assert.deepEqual(parsed.problems, []);
    const spec = toSpec(parsed.experiment!, { limits: { maxRequests: 10, maxDurationSeconds: 60 } });
    assert.deepEqual(spec.steadyState, {
      probes: [
        { kind: 'http', url: 'http://127.10.0.1/', expectStatus: [200], maxLatencyMs: 500 },
        { kind: 'endpoints', service: 'front-end', minReady: 2 },
        { kind: 'replicas', deployment: 'front-end', minReady: 3 },
        { kind: 'promql', query: 'sum(up)', min: 1 },
      ],
      duringIntervalSeconds: 2,
      tolerance: 1,
    });
    const again = parseExperiment(experimentFileText('t', spec));
    assert.deepEqual(again.problems, []);
    assert.deepEqual(toSpec(again.experiment!, { limits: { maxRequests: 10, maxDurationSeconds: 60 } }).steadyState, spec.steadyState);
    assert.deepEqual(
      problems(base(GOOD_SPEC + '  steadyState:\n    probes:\n      - http: {url: "http://x/"}\n        replicas: {deployment: a, minReady: 1}\n')).map((p) => p.message),
      ['spec.steadyState.probes[0] has http, replicas: give only one.'],
    );
  });

  it('faults beyond a pod delete: node drain, scale-down and container kill parse, write back, and a hold as long as the interval is refused', () => {
    for (const [fault, want] of [
      ['{nodeDrain: {}}', { kind: 'nodeDrain' }],
      ['{nodeDrain: {node: kwok-node-1}}', { kind: 'nodeDrain', node: 'kwok-node-1' }],
      ['{scaleDown: {to: 0, holdSeconds: 5}}', { kind: 'scaleDown', to: 0, holdSeconds: 5 }],
      ['{containerKill: {}}', { kind: 'containerKill' }],
      ['{containerKill: {container: front-end, signal: KILL}}', { kind: 'containerKill', container: 'front-end', signal: 'KILL' }],
    ] as const) {
      const parsed = parseExperiment(base(GOOD_SPEC + `  fault: ${fault}\n`));
      assert.deepEqual(parsed.problems, []);
      const spec = toSpec(parsed.experiment!, { limits: { maxRequests: 10, maxDurationSeconds: 60 } });
      assert.deepEqual(spec.fault, want);
      assert.deepEqual(toSpec(parseExperiment(experimentFileText('t', spec)).experiment!, { limits: { maxRequests: 10, maxDurationSeconds: 60 } }).fault, want);
    }
    assert.match(problems(base(GOOD_SPEC + '  fault: {containerKill: {signal: HUP}}\n')).map((p) => p.message).join('\n'), /spec\.fault\.containerKill\.signal is "HUP": use one of TERM, KILL\./);
    assert.deepEqual(problems(base(GOOD_SPEC + '  fault: {scaleDown: {to: 0, holdSeconds: 10}}\n')).map((p) => p.message), [
      'spec.fault.scaleDown.holdSeconds (10) must be shorter than spec.intervalSeconds (10): the scale-back comes before the next one.',
    ]);
  });

  it('a file written from a spec parses back to the same spec', () => {
    const spec = toSpec(parseExperiment(readFileSync(EXAMPLE, 'utf8')).experiment!, { url: 'http://127.10.0.1/', limits: { maxRequests: 100_000, maxDurationSeconds: 600 } });
    const text = experimentFileText('again', spec);
    const back = parseExperiment(text);
    assert.deepEqual(back.problems, []);
    assert.deepEqual(toSpec(back.experiment!, { limits: { maxRequests: 100_000, maxDurationSeconds: 600 } }), spec);
  });

  it('the validator checks every keyword it claims (uniqueItems, pattern, bounds, exactly-one)', () => {
    const s = { type: 'object' as const, properties: { a: { type: 'array' as const, uniqueItems: true, items: { type: 'string' as const, pattern: '^[a-z]+$' } }, n: { type: 'integer' as const, minimum: 1, maximum: 3 }, x: { type: 'number' as const, exclusiveMinimum: 0 } } };
    assert.deepEqual(validate(s, { a: ['ok', 'ok', 'B'], n: 4, x: 0 }).map((p) => p.message), [
      'a[1] repeats "ok".',
      'a[2] is "B", which does not match ^[a-z]+$.',
      'n is 4: it must be at most 3.',
      'x is 0: it must be greater than 0.',
    ]);
    assert.deepEqual(validate(s, { n: 1.5 }).map((p) => p.message), ['n must be a whole number, not 1.5.']);
  });
});

describe('chaos CLI arguments', () => {
  it('guards default to the extension settings and come only from flags', () => {
    const a = parseCliArgs(['run', 'x.chaos.yaml']);
    assert.equal(a.command, 'run');
    if (a.command !== 'run') return;
    assert.deepEqual(a.guards, {
      namespaceAllowlist: SETTINGS['chaos.namespaceAllowlist'].default,
      maxPodsPerKill: SETTINGS['chaos.maxPodsPerKill'].default,
      maxDurationSeconds: SETTINGS['load.maxDurationSeconds'].default,
    });
    const b = parseCliArgs(['run', 'x.chaos.yaml', '--allow-namespace', 'lab', '--allow-namespace', 'b', '--max-pods-per-kill', '2', '--yes', '--dry-run', '--junit', 'j.xml', '--context', 'kwok']);
    assert.ok(b.command === 'run' && b.guards.namespaceAllowlist.join() === 'lab,b' && b.guards.maxPodsPerKill === 2 && b.yes && b.dryRun && b.junit === 'j.xml' && b.context === 'kwok');
  });

  it('a bad flag says which and shows the usage', () => {
    assert.throws(() => parseCliArgs(['run', 'x', '--max-pods-per-kill', '0']), /--max-pods-per-kill takes a whole number of at least 1 \(got "0"\)[\s\S]*Usage:/);
    assert.throws(() => parseCliArgs(['run', 'x', '--frobnicate']), /Unknown option --frobnicate/);
    assert.throws(() => parseCliArgs(['run']), /run: give the experiment file/);
    assert.throws(() => parseCliArgs(['explode']), /Unknown command "explode"/);
    assert.throws(() => parseCliArgs(['run', 'x', '--context']), /--context needs a value/);
  });

  it('check exits 0 for the example and 2 for a bad file, naming the line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-cli-'));
    try {
      const bad = join(dir, 'bad.chaos.yaml');
      writeFileSync(bad, base(GOOD_SPEC.replace('targets: [front-end]', 'targets: []')));
      const out: string[] = [];
      const err: string[] = [];
      const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
      assert.equal(await runCli({ command: 'check', files: [EXAMPLE] }, io), EXIT.pass);
      assert.equal(await runCli({ command: 'check', files: [EXAMPLE, bad] }, io), EXIT.error);
      assert.match(err.join('\n'), /bad\.chaos\.yaml is not a valid experiment:\n {2}line 7: spec\.targets needs at least 1 item \(has 0\)\./);
      assert.equal(await runCli(parseCliArgs(['run', join(dir, 'missing.chaos.yaml'), '--kubeconfig', join(dir, 'none')]), io), EXIT.error);
      assert.match(err.at(-1)!, /Cannot read .*missing\.chaos\.yaml/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// A run's result as the runner returns it, built from explicit kills and readiness samples.
function result(o: { startedAt: string; failPercent?: number; p95?: number; recoveries: (number | undefined)[]; verdict?: 'PASS' | 'FAIL'; users?: number }): ExperimentResult {
  const t0 = Date.parse(o.startedAt);
  const kills: KillEvent[] = [];
  const samples: Sample[] = [];
  o.recoveries.forEach((rec, i) => {
    const time = t0 + (i + 1) * 30_000;
    kills.push({ time, t: (i + 1) * 30, deployment: 'front-end', requested: 1, pods: [`front-end-${i}`], capped: false, errors: [] });
    samples.push({ time: time + 500, t: (i + 1) * 30 + 0.5, ready: { 'front-end': { ready: 3, desired: 4, pods: 4 } } });
    if (rec !== undefined) samples.push({ time: time + rec * 1000, t: (i + 1) * 30 + rec, ready: { 'front-end': { ready: 4, desired: 4, pods: 4 } } });
  });
  samples.sort((a, b) => a.time - b.time);
  return {
    spec: {
      namespace: 'sock-shop',
      targets: ['front-end'],
      kill: { mode: 'fixed', value: 1 },
      intervalSeconds: 10,
      durationSeconds: 60,
      load: { target: { url: 'http://127.10.0.1/' }, model: { kind: 'users', users: o.users ?? 50, spawnRate: 10, waitSeconds: [1, 3], flow: 'index' }, maxRequests: 1000, maxDurationSeconds: 60 },
      hypothesis: { maxFailPercent: 0, maxP95Ms: 1000, recoverySeconds: 60 },
    },
    guards: { namespaceAllowlist: ['sock-shop'], maxPodsPerKill: 3, maxDurationSeconds: 600 },
    startedAt: o.startedAt,
    endedAt: new Date(t0 + 120_000).toISOString(),
    verdict: o.verdict ?? 'PASS',
    checks: [
      { name: 'failures', ok: (o.failPercent ?? 0) === 0, summary: `failure rate ${o.failPercent ?? 0}%`, evidence: o.failPercent ? ['failures over 0% from t=10 s to t=11 s (peak 40%), the kill at t=10 s <front-end-0> falls in its first second'] : [] },
      { name: 'recovery', ok: true, summary: 'every target back', evidence: [] },
    ],
    kills,
    samples,
    loadTimeline: [],
    load: o.failPercent === undefined ? undefined : { requests: 1000, failures: Math.round(o.failPercent * 10), failPercent: o.failPercent, rps: 16.7, latencyMs: { p50: 10, p95: o.p95 ?? 50, p99: 80, max: 100, mean: 20 }, failuresByCause: {} } as never,
    notes: [],
  };
}

describe('chaos run history: figures, comparison, prediction score, JUnit', () => {
  it('the figures of a run come from its evidence: the slowest recovery, and a kill that never recovered', () => {
    assert.deepEqual(runFigures(result({ startedAt: '2026-12-01T10:00:00.000Z', failPercent: 0, p95: 40, recoveries: [3, 7, 5] })), { failPercent: 0, p95Ms: 40, recoverySeconds: 7, unrecovered: false, kills: 3, requests: 1000 });
    const f = runFigures(result({ startedAt: '2026-12-01T10:00:00.000Z', failPercent: 2.5, recoveries: [3, undefined] }));
    assert.equal(f.recoverySeconds, 3);
    assert.equal(f.unrecovered, true);
  });

  it('compares two runs with deltas, says which way they went, and names what is not like for like', () => {
    const before = result({ startedAt: '2026-12-01T10:00:00.000Z', failPercent: 4.2, p95: 900, recoveries: [12, 14], verdict: 'FAIL' });
    const after = result({ startedAt: '2026-12-02T10:00:00.000Z', failPercent: 0, p95: 60, recoveries: [3, 4], users: 80 });
    const c = compareRuns(before, after);
    assert.deepEqual(
      c.deltas.map((d) => [d.name, d.before, d.after, d.change, d.better, d.worse]),
      [
        ['failures', 4.2, 0, -4.2, true, false],
        ['latency', 900, 60, -840, true, false],
        ['recovery', 14, 4, -10, true, false],
      ],
    );
    assert.deepEqual(c.caveats, ['the load differs']);
    const md = comparisonMarkdown(c);
    assert.match(md, /\| Failed requests \| 4\.2 % \| 0 % \| -4\.2 % \(better\) \|/);
    assert.match(md, /Not like for like: the load differs\./);
  });

  it('scores a prediction against the evidence: full marks within tolerance, falling off linearly, 0 when not observed', () => {
    const figures = { failPercent: 0, p95Ms: 100, recoverySeconds: 10, unrecovered: false, kills: 3 };
    assert.deepEqual(scorePrediction({ failPercent: 0.5, p95Ms: 115, recoverySeconds: 11 }, figures)?.score, 100);
    const s = scorePrediction({ failPercent: 3, p95Ms: 100 }, figures)!;
    // 3 points off with a tolerance of 1: (3 − 1) / 4 of the way to zero.
    assert.deepEqual(s.items.map((i) => [i.name, i.error, i.score]), [['failures', 3, 50], ['latency', 0, 100]]);
    assert.equal(s.score, 75);
    assert.equal(scorePrediction({ recoverySeconds: 5 }, { ...figures, unrecovered: true })!.items[0].score, 0);
    assert.equal(scorePrediction({}, figures), undefined);
  });

  it('the JUnit report is read by a JUnit reader: one testcase per check, a failed check is a failure with its evidence', async () => {
    const r = result({ startedAt: '2026-12-01T10:00:00.000Z', failPercent: 4, recoveries: [3], verdict: 'FAIL' });
    r.context = 'kwok-sock-shop-lab';
    r.source = { file: 'manifests/chaos/front-end-pod-kill.chaos.yaml', name: 'front-end-pod-kill', commit: 'abc123' };
    const j = (await parseJunit(junitXml(r))) as { tests?: number; failures?: number; testsuite?: { name: string; tests: number; failures: number; properties?: { name: string; value: string }[]; testcase?: { name: string; failure?: { message?: string; inner?: string }[] }[] }[] };
    assert.equal(j.tests, 2);
    assert.equal(j.failures, 1);
    const suite = j.testsuite![0];
    assert.equal(suite.name, 'front-end-pod-kill');
    assert.deepEqual(suite.properties?.find((p) => p.name === 'context')?.value, 'kwok-sock-shop-lab');
    const failed = suite.testcase!.filter((t) => t.failure?.length);
    assert.equal(failed.length, 1);
    assert.equal(failed[0].failure![0].message, 'failure rate 4%');
    assert.match(failed[0].failure![0].inner ?? '', /the kill at t=10 s <front-end-0> falls/, 'evidence is kept, with < escaped and read back');
  });

  it('lists saved runs newest first and names a file that is not a report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'chaos-hist-'));
    try {
      const reports = join(dir, '.sockshop', 'reports');
      mkdirSync(reports, { recursive: true });
      writeFileSync(join(reports, 'chaos-a.json'), JSON.stringify(result({ startedAt: '2026-12-01T10:00:00.000Z', recoveries: [] })));
      writeFileSync(join(reports, 'chaos-b.json'), JSON.stringify(result({ startedAt: '2026-12-02T10:00:00.000Z', recoveries: [] })));
      writeFileSync(join(reports, 'chaos-c.json'), '{"hello": 1}');
      const { runs, skipped } = await listRuns(dir);
      assert.deepEqual(runs.map((r) => r.result.startedAt), ['2026-12-02T10:00:00.000Z', '2026-12-01T10:00:00.000Z']);
      assert.deepEqual(skipped.map((s) => [s.path.endsWith('chaos-c.json'), s.reason]), [[true, 'not a chaos experiment report']]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
