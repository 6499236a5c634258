// "Sock Shop: Start Chaos Experiment": one multi-step input (counter and Back) for targets, kills, duration,
// load and hypothesis, then runs the experiment (after a confirmation), dry-runs it, or saves it as a
// .chaos.yaml file.
import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../core/errors';
import { killTimes, listCandidates, type ExperimentSpec, type Guards, type KillSpec } from '../../core/chaos/experiment';
import { describeLoad, experimentConfirmation, experimentDefaultKill, experimentImpact, killModesDefaultFirst } from '../../core/chaos/confirm';
import { experimentFileText, FILE_SUFFIX } from '../../core/chaos/file';
import { assertChaosNamespace } from '../../core/kube/guard';
import { confirmModal } from '../guard';
import { kubeSession } from '../kube/session';
import { ask, validating } from '../prompts';
import { MultiStepInput, SKIP } from '../multistep';
import { confirmTargetAnswers } from '../preflight';
import { checkNumber, normalizeTarget, parseDecimal } from '../../core/load/inputs';
import { DEFAULT_TARGET_SERVICE } from '../../core/load/target';
import type { LoadSpec } from '../../core/load/types';
import { serviceAddress } from '../../core/kube/services';
import { isPercentMode, KILL_MODE_HELP, type KillMode } from '../../core/chaos/kubemonkey';
import type { Registry } from '../registry';
import { setting } from '../settings';
import { assertNoExperimentRunning, runExperimentInEditor } from './run';

async function saveExperimentFile(spec: ExperimentSpec): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (!folder) throw new UserError('Open a folder first: the experiment file is saved in the workspace.', 'NoWorkspace');
  const name = await ask('Experiment name (the file is <name>.chaos.yaml)', `${spec.targets[0]}-pod-kill`, (v) =>
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(v.trim()) ? undefined : 'Lower-case letters, digits and "-", at most 63 characters, starting and ending with a letter or digit.',
  );
  const uri = vscode.Uri.joinPath(folder.uri, `${name}${FILE_SUFFIX}`);
  const exists = await vscode.workspace.fs.stat(uri).then(() => true, () => false);
  if (exists) await confirmModal({ message: `${vscode.workspace.asRelativePath(uri)} exists. Replace it?`, detail: 'Its content is overwritten with this experiment.', button: 'Replace' });
  await vscode.workspace.fs.writeFile(uri, Buffer.from(experimentFileText(name, { ...spec, dryRun: undefined })));
  await vscode.window.showTextDocument(uri);
  void vscode.window.showInformationMessage(`Saved ${vscode.workspace.asRelativePath(uri)}: run it with its "Run" CodeLens, or npm run chaos -- run ${vscode.workspace.asRelativePath(uri)}.`);
}

const TITLE = 'Start Chaos Experiment';

const LOAD_CHOICES = [
  { label: 'Open model (constant arrival rate)', description: 'latency from the intended send time', id: 'open' as const },
  { label: 'Locust-style users (index flow)', description: "the workshop's locustfile: users × GET /", id: 'users' as const },
  { label: 'No load', description: 'only the recovery check applies', id: 'none' as const },
];

const MODE_CHOICES = [
  { label: 'Run', description: 'send load and kill pods', id: 'run' as const },
  { label: 'Dry run', description: 'plan only: which pods each kill would take; no load, no kills', id: 'dry' as const },
  { label: 'Save as a file', description: 'write a .chaos.yaml to run from its CodeLens, a terminal or CI', id: 'save' as const },
];

interface Answers {
  targets: string[];
  kill: KillSpec;
  durationSeconds: number;
  intervalSeconds: number;
  load: (typeof LOAD_CHOICES)[number]['id'];
  url: string;
  rate: number;
  users: number;
  maxFailPercent: number;
  maxP95Ms: number;
  recoverySeconds: number;
  mode: (typeof MODE_CHOICES)[number]['id'];
}

export function registerStartChaos(reg: Registry): void {
  const guards = (): Guards => ({
    namespaceAllowlist: setting('chaos.namespaceAllowlist'),
    maxPodsPerKill: setting('chaos.maxPodsPerKill'),
    maxDurationSeconds: setting('load.maxDurationSeconds'),
  });

  reg.command('sockShop.startChaos', async () => {
    assertNoExperimentRunning(reg);
    const kc = await kubeSession(reg).current();
    const ns = setting('namespace');
    const g = guards();
    assertChaosNamespace(ns, 'Start Chaos Experiment', g.namespaceAllowlist);
    const candidates = await listCandidates(kc, ns);
    if (!candidates.length) throw new UserError(`No Deployments in ${ns}.`, 'NotFound');
    // One multi-step input: every question with its counter and Back (answers given before come back as the
    // defaults); questions that do not apply after an earlier answer (kill-all has no kill-value, no load no
    // target) are skipped and not counted.
    const a: Answers = { targets: [], kill: { mode: 'fixed', value: 1 }, durationSeconds: 0, intervalSeconds: 0, load: 'open', url: '', rate: 20, users: 50, maxFailPercent: 1, maxP95Ms: 1000, recoverySeconds: 60, mode: 'run' };
    const T = TITLE;
    const total = () => 12 - (a.kill.mode === 'kill-all' ? 1 : 0) - (a.load === 'none' ? 2 : 0);
    const num = (input: MultiStepInput, title: string, value: number, opts: { integer?: boolean; min?: number; max?: number }, prompt?: string) =>
      input.inputBox({ title: `${T}: ${title}`, prompt: prompt ?? title, value: String(value), validate: (v) => checkNumber(v, opts) }).then((v) => parseDecimal(v, opts) ?? value);
    const ok = await new MultiStepInput(T, total()).run([
      async (input) => {
        const items = candidates.map((c) => ({
          label: c.name,
          description: `${c.replicas} replica(s) · ${c.optedIn ? 'opted in by kube-monkey labels' : 'not opted in: picking it opts it in for this experiment'}`,
          picked: a.targets.length ? a.targets.includes(c.name) : c.optedIn,
        }));
        a.targets = (await input.quickPickMany({ title: `Chaos targets in ${ns}`, items, placeholder: 'Pick the Deployments whose pods are killed' })).map((i) => i.label);
        a.kill = experimentDefaultKill(candidates.filter((c) => a.targets.includes(c.name)));
      },
      async (input) => {
        const items = killModesDefaultFirst(a.kill.mode).map((m) => ({ label: m, description: m === a.kill.mode ? `${KILL_MODE_HELP[m]} (default${a.kill.value !== undefined ? `, kill-value ${a.kill.value}` : ''})` : KILL_MODE_HELP[m] }));
        const mode = (await input.quickPick({ title: `${T}: kill mode`, items, placeholder: 'How many pods each kill takes (kube-monkey\'s kill modes)' })).label as KillMode;
        a.kill = mode === 'kill-all' ? { mode } : { mode, value: a.kill.mode === mode && a.kill.value !== undefined ? a.kill.value : isPercentMode(mode) ? 50 : 1 };
        input.totalSteps = total();
      },
      async (input) => {
        if (a.kill.mode === 'kill-all') return SKIP;
        const percent = isPercentMode(a.kill.mode);
        a.kill = { mode: a.kill.mode, value: await num(input, percent ? 'kill-value (percent of the pods, 1–100)' : 'kill-value (pods per kill)', a.kill.value ?? 1, { integer: true, min: 1, max: percent ? 100 : 1000 }) };
      },
      async (input) => {
        a.durationSeconds = await num(input, 'Duration (seconds)', a.durationSeconds || Math.min(120, g.maxDurationSeconds), { min: 5, max: g.maxDurationSeconds });
      },
      async (input) => {
        a.intervalSeconds = await num(input, 'Kill every (seconds)', a.intervalSeconds && a.intervalSeconds < a.durationSeconds ? a.intervalSeconds : Math.max(1, Math.min(30, Math.floor(a.durationSeconds / 4))), { min: 1, max: a.durationSeconds - 1 });
      },
      async (input) => {
        const items = LOAD_CHOICES.map((c) => ({ ...c }));
        a.load = (await input.quickPick({ title: `${T}: load profile`, items, active: (i) => i.id === a.load, placeholder: 'Load sent while the pods are killed' })).id;
        input.totalSteps = total();
      },
      async (input) => {
        if (a.load === 'none') return SKIP;
        let suggestion = '';
        let note = '';
        try {
          const addr = await serviceAddress(kc, ns, DEFAULT_TARGET_SERVICE, 'deploy Sock Shop first');
          suggestion = addr.url ?? '';
          note = addr.note;
        } catch (err) {
          note = `Could not look up the front-end (${(err as Error)?.message ?? err}).`;
        }
        a.url = normalizeTarget(await input.inputBox({ title: `${T}: Load target: confirm the front-end host`, prompt: note || 'The address the load goes to', value: a.url || suggestion || 'http://', validate: validating(normalizeTarget) }));
        await confirmTargetAnswers(reg, { url: a.url }, 'Start the Experiment');
      },
      async (input) => {
        if (a.load === 'none') return SKIP;
        if (a.load === 'open') a.rate = await num(input, 'Arrival rate (requests per second)', a.rate, { min: 0.1, max: 100_000 });
        else a.users = await num(input, 'Users', a.users, { integer: true, min: 1, max: 100_000 });
      },
      async (input) => {
        a.maxFailPercent = await num(input, 'Hypothesis: failure % at most', a.maxFailPercent, { min: 0, max: 100 });
      },
      async (input) => {
        a.maxP95Ms = await num(input, 'Hypothesis: p95 latency (ms) at most', a.maxP95Ms, { min: 1 });
      },
      async (input) => {
        a.recoverySeconds = await num(input, 'Hypothesis: every target back to its desired ready replicas within (seconds)', a.recoverySeconds, { min: 1 });
      },
      async (input) => {
        a.mode = (await input.quickPick({ title: `${T}: what now`, items: MODE_CHOICES.map((c) => ({ ...c })), active: (i) => i.id === a.mode, placeholder: 'Run it, plan it, or keep it as a file' })).id;
      },
    ]);
    if (!ok) throw new CancelledError();
    const chosen = candidates.filter((c) => a.targets.includes(c.name));
    const { kill, durationSeconds, intervalSeconds } = a;
    const load: LoadSpec | undefined =
      a.load === 'none'
        ? undefined
        : {
            target: { url: a.url, timeoutMs: 10_000, cookies: [] },
            model: a.load === 'open' ? { kind: 'open', rate: a.rate, maxConnections: 100 } : { kind: 'users', users: a.users, spawnRate: 10, waitSeconds: [1, 3], flow: 'index' },
            maxRequests: setting('load.maxRequests'),
            maxDurationSeconds: durationSeconds,
          };
    const { maxFailPercent, maxP95Ms, recoverySeconds } = a;
    const spec: ExperimentSpec = {
      namespace: ns,
      targets: a.targets,
      kill,
      intervalSeconds,
      durationSeconds,
      load,
      hypothesis: { maxFailPercent, maxP95Ms, recoverySeconds },
      dryRun: a.mode !== 'run',
    };
    if (a.mode === 'save') {
      await saveExperimentFile(spec);
      return;
    }
    if (a.mode === 'run') {
      await confirmModal(
        experimentConfirmation({
          context: kc.getCurrentContext(),
          namespace: ns,
          targets: chosen,
          kill,
          intervalSeconds,
          durationSeconds,
          maxPodsPerKill: g.maxPodsPerKill,
          kills: killTimes(intervalSeconds, durationSeconds).length,
          load: load ? describeLoad(load) : undefined,
          impact: await experimentImpact(kc, spec, g.maxPodsPerKill),
        }),
      );
    }
    await runExperimentInEditor(reg, kc, spec, g, { context: kc.getCurrentContext() });
  });
}
