// "Sock Shop: Start Chaos Experiment": asks for targets, kills, duration, load and hypothesis, then runs the
// experiment (after a confirmation), dry-runs it, or saves it as a .chaos.yaml file.
import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../core/errors';
import { killTimes, listCandidates, type ExperimentSpec, type Guards } from '../../core/chaos/experiment';
import { describeLoad, experimentConfirmation, experimentDefaultKill, experimentImpact } from '../../core/chaos/confirm';
import { experimentFileText, FILE_SUFFIX } from '../../core/chaos/file';
import { assertChaosNamespace } from '../../core/kube/guard';
import { confirmModal } from '../guard';
import { kubeSession } from '../kube/session';
import { ask, askNumber, pickOne } from '../prompts';
import type { Registry } from '../registry';
import { setting } from '../settings';
import { askKill, chooseLoad } from './prompts';
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
    const load = await chooseLoad(reg, durationSeconds);
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
}
