// Chaos feature: "Apply kube-monkey Labels", "Install kube-monkey", "Start Chaos Experiment", "Abort Chaos
// Experiment", and chaos diagnostics in YAML editors. The logic lives in src/core/chaos; this is the VS Code glue.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../core/errors';
import {
  describeKill,
  killTimes,
  listCandidates,
  type ExperimentSpec,
  type Guards,
  type KillSpec,
} from '../../core/chaos/experiment';
import { followKubeMonkeyLogs, installKubeMonkey, labelAndRoll, type LogFollow } from '../../core/chaos/kube';
import { DEFAULT_CONFIG, installObjects, isIanaZone, isPercentMode, KILL_MODE_HELP, KUBE_MONKEY_NAME, type KillMode, type KubeMonkeyLabels } from '../../core/chaos/kubemonkey';
import { describeLoad, experimentConfirmation, experimentImpact, experimentDefaultKill, installConfirmation, killModesDefaultFirst, labelsConfirmation, WORKSHOP_LABELS } from '../../core/chaos/confirm';
import { assertChaosNamespace, assertCurrentContext } from '../../core/kube/guard';
import { confirmModal } from '../guard';
import { checkNumber, normalizeTarget, parseDecimal } from '../../core/load/inputs';
import type { LoadModel, LoadSpec } from '../../core/load/types';
import { refOf } from '../../core/kube/refs';
import { outcomeLine } from '../../core/kube/apply';
import { loadManifestFiles } from '../../core/kube/objects';
import { serviceAddress } from '../../core/kube/services';

import { formatProgress } from '../../core/kube/rollout';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';
import { registerChaosDiagnostics } from './diagnostics';
import { confirmTargetAnswers } from '../preflight';
import { registerExperimentFiles } from './experiment-files';
import { publishKubeMonkeySchedule, registerRunsView } from './runs-view';
import { ScheduleReader } from '../../core/chaos/schedule';
import { experimentFileText, FILE_SUFFIX } from '../../core/chaos/file';
import { abortExperiment, assertNoExperimentRunning, chaosChannel, runExperimentInEditor } from './run';
import { setting } from '../settings';
import { DEFAULT_TARGET_SERVICE } from '../../core/load/target';

export function register(reg: Registry): void {
  registerChaosDiagnostics(reg);
  registerExperimentFiles(reg);
  registerRunsView(reg);
  const namespace = () => setting('namespace');
  const guards = (): Guards => ({
    namespaceAllowlist: setting('chaos.namespaceAllowlist'),
    maxPodsPerKill: setting('chaos.maxPodsPerKill'),
    maxDurationSeconds: setting('load.maxDurationSeconds'),
  });
  const channel = () => chaosChannel(reg);
  const logsChannel = () => reg.service('chaos.kubeMonkeyLogs', () => vscode.window.createOutputChannel('kube-monkey'));
  let logFollow: LogFollow | undefined;
  reg.context.subscriptions.push({ dispose: () => logFollow?.stop() });

  async function ask(title: string, value: string, validate?: (v: string) => string | undefined, prompt?: string): Promise<string> {
    const v = await vscode.window.showInputBox({ title, value, prompt, ignoreFocusOut: true, validateInput: validate });
    if (v === undefined) throw new CancelledError();
    return v.trim();
  }
  async function askNumber(title: string, value: number, opts: { integer?: boolean; min?: number; max?: number }, prompt?: string): Promise<number> {
    return parseDecimal(await ask(title, String(value), (v) => checkNumber(v, opts), prompt), opts) ?? value;
  }
  async function pickOne<T extends vscode.QuickPickItem>(items: T[], title: string): Promise<T> {
    const p = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true });
    if (!p) throw new CancelledError();
    return p;
  }

  async function askKill(title: string, defaults: KillSpec): Promise<KillSpec> {
    // A single-choice quick pick selects its first item, so the default goes first.
    const mode = (
      await pickOne(
        killModesDefaultFirst(defaults.mode).map((m) => ({
          label: m,
          description: m === defaults.mode ? `${KILL_MODE_HELP[m]} (default${defaults.value !== undefined ? `, kill-value ${defaults.value}` : ''})` : KILL_MODE_HELP[m],
        })),
        `${title}: kill mode`,
      )
    ).label as KillMode;
    if (mode === 'kill-all') return { mode };
    const percent = isPercentMode(mode);
    const value = await askNumber(
      percent ? `${title}: kill-value (percent of the pods, 1–100)` : `${title}: kill-value (pods per kill)`,
      defaults.mode === mode && defaults.value !== undefined ? defaults.value : percent ? 50 : 1,
      { integer: true, min: 1, max: percent ? 100 : 1000 },
    );
    return { mode, value };
  }

  // ---------------------------------------------------------------------------------------------------
  reg.command('sockShop.applyKubeMonkeyLabels', async (arg?: unknown) => {
    const kc = await kubeSession(reg).current();
    const context = kc.getCurrentContext();
    const ref = refOf(arg);
    assertCurrentContext(ref, context);
    let ns = namespace();
    let names: string[];
    if (ref?.kind === 'Deployment' && ref.namespace) ns = ref.namespace;
    assertChaosNamespace(ns, 'Apply kube-monkey Labels', setting('chaos.namespaceAllowlist'));
    const candidates = await listCandidates(kc, ns);
    if (ref?.kind === 'Deployment' && ref.namespace) {
      if (!candidates.some((c) => c.name === ref.name)) throw new UserError(`Deployment "${ref.name}" is no longer in ${ns} (context "${context}").`, 'NotFound');
      names = [ref.name];
    } else {
      if (!candidates.length) throw new UserError(`No Deployments in ${ns}. Deploy Sock Shop first.`, 'NotFound');
      const picked = await vscode.window.showQuickPick(
        candidates.map((c) => ({ label: c.name, description: `${c.replicas} replica(s)${c.optedIn ? ' · already opted in' : ''}`, picked: c.name === 'front-end' })),
        { title: `Apply kube-monkey labels: Deployments in ${ns}`, canPickMany: true, ignoreFocusOut: true },
      );
      if (!picked?.length) throw new CancelledError();
      names = picked.map((p) => p.label);
    }
    const mtbf = await askNumber('kube-monkey/mtbf: mean time between failures (days)', WORKSHOP_LABELS.mtbf, { integer: true, min: 1, max: 3650 });
    const kill = await askKill('kube-monkey', { mode: WORKSHOP_LABELS.killMode, value: WORKSHOP_LABELS.killValue });
    await confirmModal(
      labelsConfirmation({ context, namespace: ns, targets: names.map((n) => ({ name: n, replicas: candidates.find((c) => c.name === n)?.replicas ?? 1 })), mtbf, kill }),
    );
    const targets = names.map((name) => ({ name, labels: { identifier: name, mtbf, killMode: kill.mode, killValue: kill.value } satisfies KubeMonkeyLabels }));
    const out = channel();
    out.appendLine(`Labelling ${names.join(', ')} in ${ns}: mtbf ${mtbf}, ${describeKill(kill)}`);
    const progress = await vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: 'kube-monkey labels', cancellable: true },
      async (p, token) => {
        const ac = new AbortController();
        token.onCancellationRequested(() => ac.abort());
        p.report({ message: 'patching…' });
        return labelAndRoll(kc, ns, targets, {
          signal: ac.signal,
          onPatched: (d) => out.appendLine(`  patched ${d.metadata?.name}: the pod template changed, so its pods roll`),
          onProgress: (pr) => {
            const line = pr.map((x) => `${x.name} ${x.available}/${x.desired} available, ${x.updated} updated`).join(' · ');
            p.report({ message: line });
            out.appendLine(`  ${line}`);
          },
        });
      },
    );
    out.appendLine(formatProgress(progress));
    void vscode.window.showInformationMessage(`kube-monkey labels applied to ${names.join(', ')}; the new pods are available.`);
  });

  // ---------------------------------------------------------------------------------------------------
  reg.command('sockShop.installKubeMonkey', async () => {
    const kc = await kubeSession(reg).current();
    const target = namespace();
    assertChaosNamespace(target, 'Install kube-monkey', setting('chaos.namespaceAllowlist'));
    const dryRun = (
      await pickOne(
        [
          { label: 'Log only (dry_run = true)', description: "kube-monkey's default: it says what it would kill", dry: true },
          { label: 'Kill pods (dry_run = false)', description: `in ${target}, following each Deployment's labels`, dry: false },
        ],
        'kube-monkey: dry run?',
      )
    ).dry;
    const debug = (
      await pickOne(
        [
          { label: 'Schedule immediately (debug)', description: 'plan at once and every 30 s, kill within a minute — for workshops', on: true },
          { label: 'Normal schedule', description: `plan at run_hour ${DEFAULT_CONFIG.runHour} on weekdays, kill between ${DEFAULT_CONFIG.startHour} and ${DEFAULT_CONFIG.endHour}`, on: false },
        ],
        'kube-monkey: schedule',
      )
    ).on;
    const localZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    const timeZone = await ask('kube-monkey time_zone (IANA name)', isIanaZone(localZone) ? localZone : DEFAULT_CONFIG.timeZone, (v) =>
      isIanaZone(v) ? undefined : `"${v}" is not an IANA time zone (e.g. Asia/Singapore); kube-monkey would exit at start.`,
    );
    const optedIn = (await listCandidates(kc, target)).filter((c) => c.optedIn).map((c) => c.name);
    await confirmModal(installConfirmation({ context: kc.getCurrentContext(), target, dryRun, debug, timeZone, optedIn }));
    const objects = installObjects(loadManifestFiles(path.join(reg.context.extensionPath, 'manifests', 'kube-monkey')), {
      namespace: KUBE_MONKEY_NAME,
      config: {
        ...DEFAULT_CONFIG,
        dryRun,
        timeZone,
        whitelistedNamespaces: [target],
        ...(debug ? { debug: { enabled: true, scheduleImmediateKill: true, scheduleDelaySeconds: 30 } } : {}),
      },
    });
    const out = channel();
    const outcomes = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Install kube-monkey', cancellable: true }, async (p, token) => {
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      p.report({ message: 'server dry run…' });
      const check = await installKubeMonkey(kc, objects, { dryRun: true, signal: ac.signal });
      // kube-monkey's own namespace is created by the apply itself; a dry run cannot see it yet.
      const failed = check.filter((o) => o.status === 'failed' && !(o.message ?? '').includes(`namespaces "${KUBE_MONKEY_NAME}" not found`));
      if (failed.some((o) => (o.message ?? '').includes(`namespaces "${target}" not found`))) {
        throw new UserError(`Namespace ${target} does not exist: deploy Sock Shop first (kube-monkey acts only there).`, 'NotFound');
      }
      if (failed.length) throw new UserError(`The server rejected the kube-monkey manifests: ${failed.map(outcomeLine).join('; ')}`, 'ApplyFailed');
      p.report({ message: 'applying…' });
      return installKubeMonkey(kc, objects, { signal: ac.signal, onOutcome: (o) => out.appendLine(`  ${outcomeLine(o)}`) });
    });
    const failed = outcomes.filter((o) => o.status === 'failed');
    if (failed.length) throw new UserError(`kube-monkey install: ${failed.map(outcomeLine).join('; ')}`, 'ApplyFailed');
    void vscode.window.showInformationMessage(
      `kube-monkey installed in ${KUBE_MONKEY_NAME} (${dryRun ? 'dry run: it only logs' : 'it kills pods'} in ${target}${debug ? ', debug schedule' : ''}). Following its logs.`,
    );
    logFollow?.stop();
    const logs = logsChannel();
    logs.show(true);
    logs.appendLine(`--- kube-monkey logs (${new Date().toISOString()}) ---`);
    // Its "Today's schedule" blocks go to the Experiments view, with countdowns.
    const schedules = new ScheduleReader((s) => publishKubeMonkeySchedule(reg, s));
    logFollow = followKubeMonkeyLogs(kc, KUBE_MONKEY_NAME, (line) => {
      logs.appendLine(line);
      schedules.line(line);
    });
  });

  // ---------------------------------------------------------------------------------------------------
  async function chooseLoad(duration: number): Promise<LoadSpec | undefined> {
    const choice = await pickOne(
      [
        { label: 'Open model (constant arrival rate)', description: 'latency from the intended send time', id: 'open' },
        { label: 'Locust-style users (index flow)', description: "the workshop's locustfile: users × GET /", id: 'users' },
        { label: 'No load', description: 'only the recovery check applies', id: 'none' },
      ],
      'Chaos experiment: load profile',
    );
    if (choice.id === 'none') return undefined;
    let suggestion = '';
    let note = '';
    try {
      const addr = await serviceAddress(await kubeSession(reg).current(), namespace(), DEFAULT_TARGET_SERVICE, 'deploy Sock Shop first');
      suggestion = addr.url ?? '';
      note = addr.note;
    } catch (err) {
      note = `Could not look up the front-end (${(err as Error)?.message ?? err}).`;
    }
    const url = normalizeTarget(
      await ask('Load target: confirm the front-end host', suggestion || 'http://', (v) => {
        try {
          normalizeTarget(v);
          return undefined;
        } catch (err) {
          return (err as Error).message;
        }
      }, note || undefined),
    );
    await confirmTargetAnswers(reg, { url }, 'Start the Experiment');
    let model: LoadModel;
    if (choice.id === 'open') {
      model = { kind: 'open', rate: await askNumber('Arrival rate (requests per second)', 20, { min: 0.1, max: 100_000 }), maxConnections: 100 };
    } else {
      model = { kind: 'users', users: await askNumber('Users', 50, { integer: true, min: 1, max: 100_000 }), spawnRate: 10, waitSeconds: [1, 3], flow: 'index' };
    }
    return { target: { url, timeoutMs: 10_000, cookies: [] }, model, maxRequests: setting('load.maxRequests'), maxDurationSeconds: duration };
  }

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

  reg.command('sockShop.startChaos', async () => {
    assertNoExperimentRunning(reg);
    const kc = await kubeSession(reg).current();
    const ns = namespace();
    const g = guards();
    assertChaosNamespace(ns, 'Start Chaos Experiment', g.namespaceAllowlist);
    const candidates = await listCandidates(kc, ns);
    if (!candidates.length) throw new UserError(`No Deployments in ${ns}.`, 'NotFound');
    const picked = await vscode.window.showQuickPick(
      candidates.map((c) => ({
        label: c.name,
        description: `${c.replicas} replica(s) · ${c.optedIn ? 'opted in by kube-monkey labels' : 'not opted in: picking it opts it in for this experiment'}`,
        picked: c.optedIn,
      })),
      { title: `Chaos targets in ${ns}`, canPickMany: true, ignoreFocusOut: true },
    );
    if (!picked?.length) throw new CancelledError();
    const chosen = candidates.filter((c) => picked.some((p) => p.label === c.name));
    const kill = await askKill('Chaos experiment', experimentDefaultKill(chosen));
    const durationSeconds = await askNumber('Duration (seconds)', Math.min(120, g.maxDurationSeconds), { min: 5, max: g.maxDurationSeconds });
    const intervalSeconds = await askNumber('Kill every (seconds)', Math.max(1, Math.min(30, Math.floor(durationSeconds / 4))), { min: 1, max: durationSeconds - 1 });
    const load = await chooseLoad(durationSeconds);
    const maxFailPercent = await askNumber('Hypothesis: failure % at most', 1, { min: 0, max: 100 });
    const maxP95Ms = await askNumber('Hypothesis: p95 latency (ms) at most', 1000, { min: 1 });
    const recoverySeconds = await askNumber('Hypothesis: every target back to its desired ready replicas within (seconds)', 60, { min: 1 });
    const mode = await pickOne(
      [
        { label: 'Run', description: 'send load and kill pods', dry: false },
        { label: 'Dry run', description: 'plan only: which pods each kill would take; no load, no kills', dry: true },
        { label: 'Save as a file', description: 'write a .chaos.yaml to run from its CodeLens, a terminal or CI', dry: true, save: true },
      ],
      'Chaos experiment',
    );
    const spec: ExperimentSpec = {
      namespace: ns,
      targets: picked.map((p) => p.label),
      kill,
      intervalSeconds,
      durationSeconds,
      load,
      hypothesis: { maxFailPercent, maxP95Ms, recoverySeconds },
      dryRun: mode.dry,
    };
    if ('save' in mode) {
      await saveExperimentFile(spec);
      return;
    }
    if (!mode.dry) {
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

  reg.command('sockShop.abortChaos', () => {
    if (!abortExperiment(reg)) void vscode.window.showInformationMessage('No chaos experiment is running.');
  });
}
