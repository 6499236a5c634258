// The headless runner of *.chaos.yaml files, for a terminal or a CI pipeline (src/cli/chaos.ts is its entry;
// `npm run chaos -- …` in the project, dist/chaos.js in the .vsix). Exit codes: 0 PASS (or a dry run),
// 1 FAIL, 2 anything else (a bad file, a bad flag, no cluster, a refused guard, an aborted run).
//
// The guards are the runner's: flags with the extension's setting defaults (namespace allowlist sock-shop,
// 3 pods per kill, 600 s, 100 000 requests). A file cannot loosen them. A run that kills pods asks first on
// a terminal and needs --yes without one; the plan it prints names the context and namespace.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { UserError } from '../errors';
import { loadKubeconfig } from '../kube/kubeconfig';
import { serviceAddress } from '../kube/services';
import { SETTINGS } from '../settings';
import { experimentImpact, experimentPlan } from './confirm';
import { checkExperiment, listCandidates, redactedResult, runExperiment, saveExperimentReport, type ExperimentEvent, type ExperimentResult, type Guards } from './experiment';
import { loadTargetService, parseExperiment, toSpec, type ExperimentFile } from './file';
import { compareRuns, comparisonMarkdown, gitSource, junitXml, runFigures, scorePrediction } from './history';

export const EXIT = { pass: 0, fail: 1, error: 2 } as const;

export const USAGE = `Usage:
  chaos run <file.chaos.yaml> [options]   run an experiment (exit 0 PASS, 1 FAIL, 2 error)
  chaos check <file.chaos.yaml>...        check files against the schema (exit 0 when all are valid, 2 otherwise)
  chaos compare <before.json> <after.json>   compare two saved runs (from .sockshop/reports)

Options of run:
  --context NAME            kubeconfig context (default: the kubeconfig's current-context)
  --kubeconfig PATH         kubeconfig file (default: KUBECONFIG, else ~/.kube/config)
  --dry-run                 plan only: which pods each kill would take; no load, no kills
  --yes                     do not ask before killing pods (needed without a terminal)
  --junit FILE              write a JUnit XML report
  --json FILE               write the full result as JSON
  --reports DIR             also save the Markdown and JSON reports under DIR/.sockshop/reports (default: .)
  --no-reports              do not save them
  --allow-namespace NS      allow chaos in NS (repeatable; default: sock-shop)
  --max-pods-per-kill N     at most N pods per kill (default 3)
  --max-duration S          longest run in seconds (default 600)
  --max-requests N          most requests of the load (default 100000)`;

export interface RunArgs {
  command: 'run';
  file: string;
  context?: string;
  kubeconfig?: string;
  dryRun: boolean;
  yes: boolean;
  junit?: string;
  json?: string;
  reports?: string;
  guards: Guards;
  maxRequests: number;
}

export type CliArgs = RunArgs | { command: 'check'; files: string[] } | { command: 'compare'; before: string; after: string } | { command: 'help' };

/** Parses argv (without node and the script); throws UserError('BadInput') with the problem. */
export function parseCliArgs(argv: readonly string[]): CliArgs {
  const bad = (m: string) => new UserError(`${m}\n\n${USAGE}`, 'BadInput');
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  if (command === 'check') {
    if (!rest.length) throw bad('check: give at least one file.');
    return { command: 'check', files: [...rest] };
  }
  if (command === 'compare') {
    if (rest.length !== 2) throw bad('compare: give two saved runs (the .json files of .sockshop/reports).');
    return { command: 'compare', before: rest[0], after: rest[1] };
  }
  if (command !== 'run') throw bad(`Unknown command "${command}".`);
  const positive = (flag: string, v: string | undefined) => {
    if (v === undefined || !/^[0-9]+$/.test(v) || Number(v) < 1) throw bad(`${flag} takes a whole number of at least 1 (got ${v === undefined ? 'nothing' : JSON.stringify(v)}).`);
    return Number(v);
  };
  const out: RunArgs = {
    command: 'run',
    file: '',
    dryRun: false,
    yes: false,
    reports: '.',
    guards: {
      namespaceAllowlist: [],
      maxPodsPerKill: SETTINGS['chaos.maxPodsPerKill'].default,
      maxDurationSeconds: SETTINGS['load.maxDurationSeconds'].default,
    },
    maxRequests: SETTINGS['load.maxRequests'].default,
  };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i];
    const value = () => {
      const v = rest[++i];
      if (v === undefined || v.startsWith('--')) throw bad(`${a} needs a value.`);
      return v;
    };
    switch (a) {
      case '--context':
        out.context = value();
        break;
      case '--kubeconfig':
        out.kubeconfig = value();
        break;
      case '--dry-run':
        out.dryRun = true;
        break;
      case '--yes':
      case '-y':
        out.yes = true;
        break;
      case '--junit':
        out.junit = value();
        break;
      case '--json':
        out.json = value();
        break;
      case '--reports':
        out.reports = value();
        break;
      case '--no-reports':
        out.reports = undefined;
        break;
      case '--allow-namespace':
        out.guards.namespaceAllowlist.push(value());
        break;
      case '--max-pods-per-kill':
        out.guards.maxPodsPerKill = positive(a, rest[++i]);
        break;
      case '--max-duration':
        out.guards.maxDurationSeconds = positive(a, rest[++i]);
        break;
      case '--max-requests':
        out.maxRequests = positive(a, rest[++i]);
        break;
      default:
        if (a.startsWith('-')) throw bad(`Unknown option ${a}.`);
        if (out.file) throw bad(`run takes one file (got ${out.file} and ${a}).`);
        out.file = a;
    }
  }
  if (!out.file) throw bad('run: give the experiment file.');
  if (!out.guards.namespaceAllowlist.length) out.guards.namespaceAllowlist = [...SETTINGS['chaos.namespaceAllowlist'].default];
  return out;
}

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Asks a yes/no question on a terminal; undefined when there is none. */
  ask?: (question: string) => Promise<boolean>;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/** Reads and checks a file; throws UserError('Invalid') listing every problem with its line. */
export async function readExperimentFile(path: string): Promise<ExperimentFile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UserError(`Cannot read ${path}: ${(err as Error).message}`, 'NotFound');
  }
  const parsed = parseExperiment(text);
  if (!parsed.experiment) {
    const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
    throw new UserError(`${path} is not a valid experiment:\n${parsed.problems.map((p) => `  line ${lineOf(p.range[0])}: ${p.message}`).join('\n')}`, 'Invalid');
  }
  return parsed.experiment;
}

export async function runCli(args: CliArgs, io: CliIo): Promise<number> {
  try {
    switch (args.command) {
      case 'help':
        io.out(USAGE);
        return EXIT.pass;
      case 'check': {
        let ok = true;
        for (const f of args.files) {
          try {
            await readExperimentFile(f);
            io.out(`${f}: valid`);
          } catch (err) {
            ok = false;
            io.err((err as Error).message);
          }
        }
        return ok ? EXIT.pass : EXIT.error;
      }
      case 'compare': {
        const read = async (p: string) => JSON.parse(await readFile(p, 'utf8')) as ExperimentResult;
        io.out(comparisonMarkdown(compareRuns(await read(args.before), await read(args.after))));
        return EXIT.pass;
      }
      case 'run':
        return await runFile(args, io);
    }
  } catch (err) {
    io.err(err instanceof UserError ? err.message : `error: ${(err as Error)?.message ?? String(err)}`);
    return EXIT.error;
  }
}

async function runFile(args: RunArgs, io: CliIo): Promise<number> {
  const file = await readExperimentFile(args.file);
  const loaded = loadKubeconfig({ settingPath: args.kubeconfig, context: args.context, env: io.env });
  const kc = loaded.kc;
  const context = loaded.context;
  let url: string | undefined;
  const service = loadTargetService(file);
  if (service) {
    const addr = await serviceAddress(kc, file.spec.namespace, service, 'deploy it first, or give spec.load.url');
    if (!addr.url) throw new UserError(`No load target: ${addr.note}`, 'NotFound');
    url = addr.url;
  }
  const spec = toSpec(file, { url, limits: { maxRequests: args.maxRequests, maxDurationSeconds: args.guards.maxDurationSeconds }, dryRun: args.dryRun });
  try {
    checkExperiment(spec, args.guards);
  } catch (err) {
    if (UserError.is(err, 'ChaosRefused')) throw new UserError(`${err.message} On the command line the limits are flags: --allow-namespace, --max-pods-per-kill, --max-duration.`, 'ChaosRefused');
    throw err;
  }
  const plan = experimentPlan({ context, spec, candidates: await listCandidates(kc, spec.namespace), maxPodsPerKill: args.guards.maxPodsPerKill, impact: await experimentImpact(kc, spec, args.guards.maxPodsPerKill) });
  io.out(`${file.metadata.name}: ${args.dryRun ? '(dry run) ' : ''}${plan.message}`);
  for (const l of plan.detail.split('\n')) io.out(`  ${l}`);
  if (!args.dryRun && !args.yes) {
    if (!io.ask) throw new UserError('This run kills pods and there is no terminal to ask: pass --yes to run it (or --dry-run to plan only).', 'Refused');
    if (!(await io.ask('Start? [y/N] '))) {
      io.err('Not started.');
      return EXIT.error;
    }
  }
  const onEvent = (e: ExperimentEvent) => {
    if (e.type === 'kill') io.out(`  ◆ t=${e.kill.t} s kill ${e.kill.deployment}: ${e.kill.pods.join(', ') || 'no pod'}${e.kill.errors.length ? ` — ${e.kill.errors.join('; ')}` : ''}`);
    else if (e.type === 'phase') io.out(`  ${e.message}`);
    else if (e.type === 'sample' && Number.isInteger(e.sample.t) && e.sample.t % 5 === 0) {
      const s = e.sample;
      const ready = Object.entries(s.ready).map(([n, r]) => `${n} ${r.ready}/${r.desired}`).join(' · ');
      io.out(`  t=${s.t} s ${s.rps !== undefined ? `${s.rps} req/s · ${s.failPercent}% failed · ` : ''}${ready}`);
    }
  };
  const result = await runExperiment(kc, spec, { guards: args.guards, signal: io.signal, onEvent });
  const source = await gitSource(resolve(args.file));
  result.context = context;
  result.source = { file: relative(io.cwd ?? process.cwd(), resolve(args.file)) || args.file, name: file.metadata.name, ...source };
  if (file.spec.prediction && result.verdict !== 'DRY RUN') {
    result.prediction = { predicted: file.spec.prediction, score: scorePrediction(file.spec.prediction, runFigures(result)) };
  }
  if (args.reports !== undefined) {
    const saved = await saveExperimentReport(resolve(io.cwd ?? process.cwd(), args.reports), result);
    io.out(`report: ${saved.markdown}`);
  }
  const write = async (path: string, text: string) => {
    await mkdir(dirname(resolve(path)), { recursive: true });
    await writeFile(path, text);
  };
  if (args.junit) await write(args.junit, junitXml(redactedResult(result)));
  if (args.json) await write(args.json, JSON.stringify(redactedResult(result), null, 2) + '\n');
  io.out(`verdict: ${result.verdict}`);
  for (const c of result.checks) io.out(`  ${c.ok ? 'PASS' : 'FAIL'} ${c.name}: ${c.summary}`);
  if (result.prediction?.score) io.out(`  prediction score ${result.prediction.score.score} / 100`);
  if (result.verdict === 'PASS' || result.verdict === 'DRY RUN') return EXIT.pass;
  if (result.verdict === 'FAIL') return EXIT.fail;
  for (const n of result.notes) io.err(n);
  return EXIT.error;
}

