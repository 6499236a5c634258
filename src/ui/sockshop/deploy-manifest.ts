// "Sock Shop: Deploy Current Manifest": applies the YAML in the editor (or the file it was invoked on) after a
// confirmation, offers to take over fields another manager owns, and marks YAML errors and rejected objects
// as diagnostics on the file.
import * as path from 'node:path';
import * as vscode from 'vscode';
import { UserError } from '../../core/errors';
import { applyManifestConfirmation } from '../../core/kube/guard';
import { confirmModal } from '../guard';
import type { ApplyOutcome } from '../../core/kube/apply';
import { describeObject } from '../../core/kube/apply';
import { ApplyFailedError, deployManifestText, describeOutcomes, outcomeLine } from '../../core/sockshop/deploy';
import { YamlSyntaxError, type YamlProblem } from '../../core/yaml/parse';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';
import { setting } from '../settings';
import { abortOn, configuredNamespace } from './shared';

const DIAGNOSTICS = 'sockShop.manifest';

export function registerDeployManifest(reg: Registry): void {
  const diagnostics = reg.service(DIAGNOSTICS, () => vscode.languages.createDiagnosticCollection('Sock Shop manifest'));

  reg.command('sockShop.deployManifest', async (uri?: unknown) => {
    const editor = vscode.window.activeTextEditor;
    const document =
      uri instanceof vscode.Uri ? await vscode.workspace.openTextDocument(uri) : editor?.document;
    if (!document) throw new UserError('Open a YAML manifest in the editor first.', 'NoEditor');
    if (!vscode.workspace.isTrusted) {
      throw new UserError(
        'Deploy Current Manifest is off in Restricted Mode: trust this workspace first (Manage Workspace Trust) to apply its files to a cluster.',
        'Untrusted',
      );
    }
    const session = kubeSession(reg);
    const kc = await session.current();
    const namespace = configuredNamespace();
    const source = path.basename(document.uri.fsPath || document.uri.path) || 'the manifest';
    diagnostics.delete(document.uri);
    const run = (force: boolean) =>
      vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Applying ${source}`, cancellable: true },
        (progress, token) =>
          deployManifestText(kc, document.getText(), {
            defaultNamespace: namespace,
            force,
            source,
            allowKubeSystem: setting('allowKubeSystem'),
            // The take-over rerun applies what the user already confirmed.
            confirm: force ? undefined : (items) => confirmModal(applyManifestConfirmation({ context: kc.getCurrentContext(), defaultNamespace: namespace, source, items })),
            signal: abortOn(token).signal,
            onOutcome: (o) => progress.report({ message: `${describeObject(o)}: ${o.status}` }),
          }),
      );
    let result;
    try {
      result = await run(false);
    } catch (err) {
      if (err instanceof YamlSyntaxError) diagnostics.set(document.uri, err.problems.map(toDiagnostic));
      throw err;
    }
    let outcomes = result.outcomes;
    const conflicts = outcomes.filter((o) => o.status === 'failed' && o.httpStatus === 409);
    if (conflicts.length) {
      const choice = await vscode.window.showWarningMessage(
        `${describeObject(conflicts[0])}: ${conflicts[0].message}`,
        { modal: true, detail: 'Another field manager (kubectl, a controller) owns some of these fields. Take them over?' },
        'Take Over',
      );
      if (choice === 'Take Over') outcomes = (await run(true)).outcomes;
    }
    reg.log.info(`Deploy ${source} (${session.contextName}):\n${outcomes.map(outcomeLine).join('\n')}`);
    const failed = outcomes.filter((o) => o.status === 'failed');
    diagnostics.set(document.uri, failed.map((o) => outcomeDiagnostic(o, document)));
    if (failed.length) throw new ApplyFailedError(failed, outcomes);
    void vscode.window.showInformationMessage(`${source}: ${describeOutcomes(outcomes)}.`);
  });
}

function toDiagnostic(p: YamlProblem): vscode.Diagnostic {
  const range = new vscode.Range(p.line - 1, p.column - 1, p.endLine - 1, Math.max(p.endColumn - 1, p.column));
  const d = new vscode.Diagnostic(range, p.message, p.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning);
  d.source = 'Sock Shop';
  d.code = p.code;
  return d;
}

function outcomeDiagnostic(o: ApplyOutcome, document: vscode.TextDocument): vscode.Diagnostic {
  const line = Math.max(0, (o.line ?? 1) - 1);
  const range = document.lineAt(Math.min(line, document.lineCount - 1)).range;
  const d = new vscode.Diagnostic(range, `${describeObject(o)} was rejected: ${o.message}`, vscode.DiagnosticSeverity.Error);
  d.source = 'Sock Shop (apiserver)';
  if (o.httpStatus) d.code = o.httpStatus;
  return d;
}
