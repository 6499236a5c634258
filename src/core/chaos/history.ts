// What a finished experiment leaves behind and how runs are compared: the figures a run is judged by
// (failure %, p95, slowest recovery), the deltas between two runs (or a run and a pinned baseline), the
// score of a learner's prediction against the evidence, and a JUnit XML report for CI pipelines.
import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { recoveryTimes, type ExperimentResult, type Verdict } from './experiment';
import type { Prediction } from './file';

/** The figures of one run. Recovery is the slowest kill's, undefined when a kill never recovered (or no kill). */
export interface RunFigures {
  failPercent?: number;
  p95Ms?: number;
  recoverySeconds?: number;
  /** True when some kill did not recover within the samples. */
  unrecovered: boolean;
  kills: number;
  requests?: number;
}

export function runFigures(r: ExperimentResult): RunFigures {
  const rec = recoveryTimes(r.kills, r.samples);
  const done = rec.filter((x) => x.seconds !== undefined).map((x) => x.seconds!);
  return {
    failPercent: r.load?.failPercent,
    p95Ms: r.load?.latencyMs.p95,
    recoverySeconds: done.length ? Math.max(...done) : undefined,
    unrecovered: rec.some((x) => x.seconds === undefined),
    kills: r.kills.filter((k) => k.pods.length).length,
    requests: r.load?.requests,
  };
}

export interface Delta {
  name: 'failures' | 'latency' | 'recovery';
  label: string;
  unit: string;
  before?: number;
  after?: number;
  /** after − before, when both are known. */
  change?: number;
  /** Lower is better for all three: true when after is worse than before by more than noise. */
  worse?: boolean;
  better?: boolean;
}

export interface Comparison {
  before: { startedAt: string; verdict: Verdict; name?: string };
  after: { startedAt: string; verdict: Verdict; name?: string };
  deltas: Delta[];
  /** Differences of set-up that make the figures not like for like. */
  caveats: string[];
}

const round = (v: number, d = 2) => Math.round(v * 10 ** d) / 10 ** d;

/** Compares two runs (before: the older run or the pinned baseline). */
export function compareRuns(before: ExperimentResult, after: ExperimentResult): Comparison {
  const a = runFigures(before);
  const b = runFigures(after);
  // Changes below these are noise for a comparison in words (the numbers are still shown).
  const noise = { failures: 0.1, latency: 5, recovery: 1 };
  const delta = (name: Delta['name'], label: string, unit: string, x?: number, y?: number): Delta => {
    const d: Delta = { name, label, unit, before: x, after: y };
    if (x !== undefined && y !== undefined) {
      d.change = round(y - x);
      d.worse = d.change > noise[name];
      d.better = d.change < -noise[name];
    }
    return d;
  };
  const caveats: string[] = [];
  const sa = before.spec;
  const sb = after.spec;
  if (sa.namespace !== sb.namespace || sa.targets.join() !== sb.targets.join()) caveats.push(`the targets differ (${sa.namespace}/${sa.targets.join(',')} → ${sb.namespace}/${sb.targets.join(',')})`);
  if (sa.kill.mode !== sb.kill.mode || sa.kill.value !== sb.kill.value || sa.intervalSeconds !== sb.intervalSeconds) caveats.push('the kill schedule differs');
  if (JSON.stringify(sa.load?.model) !== JSON.stringify(sb.load?.model)) caveats.push('the load differs');
  if (before.context && after.context && before.context !== after.context) caveats.push(`the clusters differ (${before.context} → ${after.context})`);
  if (a.unrecovered) caveats.push('a kill of the earlier run never recovered');
  if (b.unrecovered) caveats.push('a kill of the later run never recovered');
  return {
    before: { startedAt: before.startedAt, verdict: before.verdict, name: before.source?.name },
    after: { startedAt: after.startedAt, verdict: after.verdict, name: after.source?.name },
    deltas: [
      delta('failures', 'Failed requests', '%', a.failPercent, b.failPercent),
      delta('latency', 'p95 latency', 'ms', a.p95Ms, b.p95Ms),
      delta('recovery', 'Slowest recovery', 's', a.recoverySeconds, b.recoverySeconds),
    ],
    caveats,
  };
}

export function comparisonMarkdown(c: Comparison): string {
  const v = (d: Delta, x?: number) => (x === undefined ? '—' : `${x} ${d.unit}`);
  const lines = [
    `# Chaos runs compared`,
    '',
    `| | ${c.before.startedAt} (${c.before.verdict}) | ${c.after.startedAt} (${c.after.verdict}) | change |`,
    '|---|---|---|---|',
    ...c.deltas.map((d) => `| ${d.label} | ${v(d, d.before)} | ${v(d, d.after)} | ${d.change === undefined ? '—' : `${d.change > 0 ? '+' : ''}${d.change} ${d.unit}${d.worse ? ' (worse)' : d.better ? ' (better)' : ''}`} |`),
    '',
  ];
  if (c.caveats.length) lines.push('Not like for like: ' + c.caveats.join('; ') + '.', '');
  return lines.join('\n');
}

export interface PredictionScore {
  /** 0–100: the mean of the figures' scores. */
  score: number;
  items: { name: 'failures' | 'latency' | 'recovery'; predicted: number; observed?: number; error?: number; score: number; note: string }[];
}

/**
 * Scores a prediction against the evidence. Each figure scores 100 when within its tolerance (1 percentage
 * point of failures, 20 % of the p95, 2 s or 20 % of recovery, whichever is larger) and falls linearly to 0
 * at five tolerances off. A figure that was not observed (no load, no recovery) scores 0 with a note.
 */
export function scorePrediction(p: Prediction, figures: RunFigures): PredictionScore | undefined {
  const items: PredictionScore['items'] = [];
  const one = (name: PredictionScore['items'][number]['name'], predicted: number | undefined, observed: number | undefined, tolerance: (o: number) => number, unit: string) => {
    if (predicted === undefined) return;
    if (observed === undefined) {
      items.push({ name, predicted, score: 0, note: `predicted ${predicted} ${unit}; not observed in this run` });
      return;
    }
    const error = round(Math.abs(predicted - observed));
    const tol = tolerance(observed);
    const score = error <= tol ? 100 : Math.max(0, Math.round(100 * (1 - (error - tol) / (4 * tol))));
    items.push({ name, predicted, observed, error, score, note: `predicted ${predicted} ${unit}, observed ${observed} ${unit} (off by ${error} ${unit})` });
  };
  one('failures', p.failPercent, figures.failPercent, () => 1, '%');
  one('latency', p.p95Ms, figures.p95Ms, (o) => Math.max(10, 0.2 * o), 'ms');
  one('recovery', p.recoverySeconds, figures.unrecovered ? undefined : figures.recoverySeconds, (o) => Math.max(2, 0.2 * o), 's');
  if (!items.length) return undefined;
  return { score: Math.round(items.reduce((s, i) => s + i.score, 0) / items.length), items };
}

/** The runs saved under <dir>/.sockshop/reports (chaos-*.json), newest first; unreadable files are listed in `skipped`. */
export async function listRuns(workspaceDir: string): Promise<{ runs: { path: string; result: ExperimentResult }[]; skipped: { path: string; reason: string }[] }> {
  const dir = join(workspaceDir, '.sockshop', 'reports');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => /^chaos-.*\.json$/.test(n));
  } catch {
    return { runs: [], skipped: [] };
  }
  const runs: { path: string; result: ExperimentResult }[] = [];
  const skipped: { path: string; reason: string }[] = [];
  for (const n of names) {
    const path = join(dir, n);
    try {
      const r = JSON.parse(await readFile(path, 'utf8')) as ExperimentResult;
      if (typeof r?.startedAt !== 'string' || typeof r?.verdict !== 'string' || !r.spec) throw new Error('not a chaos experiment report');
      runs.push({ path, result: r });
    } catch (err) {
      skipped.push({ path, reason: (err as Error).message });
    }
  }
  runs.sort((x, y) => y.result.startedAt.localeCompare(x.result.startedAt));
  return { runs, skipped };
}

const xml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '');

/**
 * A JUnit XML report: one testsuite for the experiment, one testcase per check of the hypothesis (a failed
 * check is a <failure> with its evidence), and for an aborted run one <error>.
 */
export function junitXml(r: ExperimentResult): string {
  const name = r.source?.name ?? `${r.spec.namespace}/${r.spec.targets.join(',')}`;
  const seconds = Math.max(0, (Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000);
  const cases = r.checks.map((c) => {
    const body = c.ok ? '' : `\n      <failure message="${xml(c.summary)}" type="HypothesisNotMet">${xml(c.evidence.join('\n'))}</failure>\n    `;
    return `    <testcase classname="chaos.${xml(name)}" name="${xml(`${c.name}: ${c.summary}`)}" time="${seconds.toFixed(3)}">${body}</testcase>`;
  });
  if (r.verdict === 'ABORTED') {
    cases.push(`    <testcase classname="chaos.${xml(name)}" name="experiment" time="${seconds.toFixed(3)}">\n      <error message="aborted" type="Aborted">${xml(r.notes.join('\n'))}</error>\n    </testcase>`);
  }
  if (r.verdict === 'DRY RUN') {
    cases.push(`    <testcase classname="chaos.${xml(name)}" name="dry run: plan only" time="0.000">\n      <skipped message="dry run: no load, no kills"/>\n    </testcase>`);
  }
  const failures = r.checks.filter((c) => !c.ok).length;
  const errors = r.verdict === 'ABORTED' ? 1 : 0;
  const skipped = r.verdict === 'DRY RUN' ? 1 : 0;
  const props = [
    ['verdict', r.verdict],
    ['context', r.context ?? ''],
    ['namespace', r.spec.namespace],
    ['targets', r.spec.targets.join(',')],
    ['commit', r.source?.commit ?? ''],
  ]
    .map(([k, v]) => `      <property name="${k}" value="${xml(v)}"/>`)
    .join('\n');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="chaos" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds.toFixed(3)}">`,
    `  <testsuite name="${xml(name)}" tests="${cases.length}" failures="${failures}" errors="${errors}" skipped="${skipped}" time="${seconds.toFixed(3)}" timestamp="${xml(r.startedAt.replace(/\.\d+Z$/, ''))}">`,
    '    <properties>',
    props,
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/** The git commit of the file's directory and whether the file differs from it (undefined outside a repository). */
export async function gitSource(file: string): Promise<{ commit?: string; dirty?: boolean }> {
  const git = (args: string[]) =>
    new Promise<string | undefined>((r) => execFile('git', args, { cwd: dirname(file), timeout: 5000 }, (err, stdout) => r(err ? undefined : stdout.trim())));
  const commit = await git(['rev-parse', 'HEAD']);
  if (!commit) return {};
  const status = await git(['status', '--porcelain', '--', basename(file)]);
  return { commit, dirty: status === undefined ? undefined : status.length > 0 };
}

