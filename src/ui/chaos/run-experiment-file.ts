// "Sock Shop: Run Experiment File" (a *.chaos.yaml's Run and Dry run CodeLenses): runs the experiment the file
// describes through the same runner, guards and confirmation as Start Chaos Experiment.
import * as vscode from 'vscode';
import { UserError } from '../../core/errors';
import { experimentImpact, experimentPlan } from '../../core/chaos/confirm';
import { listCandidates } from '../../core/chaos/experiment';
import { isExperimentFile, loadTargetService, parseExperiment, toSpec } from '../../core/chaos/file';
import { gitSource } from '../../core/chaos/history';
import { assertChaosNamespace } from '../../core/kube/guard';
import { serviceAddress } from '../../core/kube/services';
import { kubeSession } from '../kube/session';
import { confirmModal } from '../guard';
import type { Registry } from '../registry';
import { setting } from '../settings';
import { checkExperimentFile } from './experiment-files';
import { runExperimentInEditor } from './run';

export function registerRunExperimentFile(reg: Registry): void {
  reg.command('sockShop.runExperimentFile', async (arg?: unknown, opts?: { dryRun?: boolean }) => {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri || !isExperimentFile(uri.fsPath || uri.path)) throw new UserError('Open a .chaos.yaml file first (or use Sock Shop: Start Chaos Experiment to write one).', 'NoEditor');
    const doc = await vscode.workspace.openTextDocument(uri);
    const parsed = parseExperiment(doc.getText());
    if (!parsed.experiment) {
      checkExperimentFile(reg, doc);
      const first = parsed.problems[0];
      throw new UserError(`${vscode.workspace.asRelativePath(uri)} has ${parsed.problems.length} problem${parsed.problems.length === 1 ? '' : 's'} (see Problems); the first, on line ${doc.positionAt(first.range[0]).line + 1}: ${first.message}`, 'Invalid');
    }
    const file = parsed.experiment;
    const kc = await kubeSession(reg).current();
    const context = kc.getCurrentContext();
    const guards = { namespaceAllowlist: setting('chaos.namespaceAllowlist'), maxPodsPerKill: setting('chaos.maxPodsPerKill'), maxDurationSeconds: setting('load.maxDurationSeconds') };
    assertChaosNamespace(file.spec.namespace, 'Run Experiment', guards.namespaceAllowlist);
    const dryRun = opts?.dryRun === true;
    let url: string | undefined;
    const service = loadTargetService(file);
    if (service && !dryRun) {
      const addr = await serviceAddress(kc, file.spec.namespace, service, 'deploy Sock Shop first, or give spec.load.url');
      if (!addr.url) throw new UserError(`No load target for ${file.metadata.name}: ${addr.note} Or give spec.load.url in the file.`, 'NotFound');
      url = addr.url;
    }
    const spec = toSpec(file, { url: url ?? (dryRun ? 'http://127.0.0.1/' : undefined), limits: { maxRequests: setting('load.maxRequests'), maxDurationSeconds: guards.maxDurationSeconds }, dryRun });
    const plan = experimentPlan({ context, spec, candidates: await listCandidates(kc, spec.namespace), maxPodsPerKill: guards.maxPodsPerKill, impact: dryRun ? undefined : await experimentImpact(kc, spec, guards.maxPodsPerKill) });
    if (!dryRun) await confirmModal(plan);
    if (doc.isDirty) await doc.save();
    const source = { file: vscode.workspace.asRelativePath(uri), name: file.metadata.name, ...(uri.scheme === 'file' ? await gitSource(uri.fsPath) : {}) };
    await runExperimentInEditor(reg, kc, spec, guards, { context, source, prediction: file.spec.prediction });
  });
}
