// After a failed chaos run: the manifests in the workspace that define its targets get an information
// diagnostic on the Deployment saying what the evidence showed, with the change as a quick fix (Ctrl+.).
// The mapping and the edits are src/core/chaos/advice.ts; this finds the files and shows them.
import * as vscode from 'vscode';
import { adviseFromResult, applyAdvice, deploymentsIn, type Advice } from '../../core/chaos/advice';
import type { ExperimentResult } from '../../core/chaos/experiment';
import type { Registry } from '../registry';

const CODE = 'chaos-advice';
/** At most this many YAML files are read, each at most this big. */
const MAX_FILES = 300;
const MAX_CHARS = 1_000_000;

interface State {
  collection: vscode.DiagnosticCollection;
  advice: WeakMap<vscode.Diagnostic, Advice>;
}

function state(reg: Registry): State {
  return reg.service('chaos.advice', () => {
    const collection = vscode.languages.createDiagnosticCollection('sock-shop-chaos-advice');
    const advice = new WeakMap<vscode.Diagnostic, Advice>();
    reg.context.subscriptions.push(
      vscode.languages.registerCodeActionsProvider(
        [{ pattern: '**/*.{yaml,yml}' }],
        {
          provideCodeActions(doc, _range, context) {
            return context.diagnostics
              .filter((d) => d.code === CODE && advice.has(d))
              .flatMap((d) => {
                const a = advice.get(d)!;
                const text = applyAdvice(doc.getText(), a);
                if (text === undefined) return [];
                const action = new vscode.CodeAction(a.title, vscode.CodeActionKind.QuickFix);
                action.diagnostics = [d];
                action.isPreferred = true;
                action.edit = new vscode.WorkspaceEdit();
                action.edit.replace(doc.uri, new vscode.Range(doc.positionAt(0), doc.positionAt(doc.getText().length)), text);
                return [action];
              });
          },
        },
        { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
      ),
      // An edited file's advice may no longer hold: recompute it from the text on save.
      vscode.workspace.onDidSaveTextDocument((doc) => {
        const diags = collection.get(doc.uri);
        if (!diags?.length) return;
        const keep = diags.filter((d) => {
          const a = advice.get(d);
          return a && applyAdvice(doc.getText(), a) !== undefined;
        });
        collection.set(doc.uri, keep);
      }),
    );
    return { collection, advice, dispose: () => collection.dispose() };
  });
}

/** Looks for the targets' manifests in the workspace and puts the advice on them; returns the files advised. */
export async function adviseAfterRun(reg: Registry, result: ExperimentResult): Promise<vscode.Uri[]> {
  const s = state(reg);
  s.collection.clear();
  if (result.verdict !== 'FAIL' || !vscode.workspace.workspaceFolders?.length) return [];
  const files = await vscode.workspace.findFiles('**/*.{yaml,yml}', '{**/node_modules/**,**/.sockshop/**,**/dist/**}', MAX_FILES);
  const advised: vscode.Uri[] = [];
  for (const uri of files) {
    let text: string;
    try {
      const bytes = await vscode.workspace.fs.readFile(uri);
      if (bytes.byteLength > MAX_CHARS) continue;
      text = Buffer.from(bytes).toString('utf8');
    } catch {
      continue;
    }
    if (!result.spec.targets.some((t) => text.includes(t))) continue;
    const deployments = deploymentsIn(text).filter((d) => result.spec.targets.includes(d.name));
    if (!deployments.length) continue;
    const doc = await vscode.workspace.openTextDocument(uri);
    const diags: vscode.Diagnostic[] = [];
    for (const a of adviseFromResult(result, deployments.map((d) => d.facts))) {
      if (applyAdvice(text, a) === undefined) continue;
      const dep = deployments.find((d) => d.name === a.deployment)!;
      const at = text.indexOf('kind: Deployment', dep.range[0]);
      const start = doc.positionAt(at >= 0 && at < dep.range[1] ? at : dep.range[0]);
      const d = new vscode.Diagnostic(doc.lineAt(start.line).range, `Chaos run ${result.startedAt.replace(/\.\d+Z$/, 'Z')} (FAIL): ${a.reason} Quick fix: ${a.title}.`, vscode.DiagnosticSeverity.Information);
      d.source = 'sock-shop';
      d.code = CODE;
      s.advice.set(d, a);
      diags.push(d);
    }
    if (diags.length) {
      s.collection.set(uri, diags);
      advised.push(uri);
    }
  }
  if (advised.length) reg.log.info(`chaos advice: ${advised.length} manifest file(s) in the workspace have suggested fixes`);
  return advised;
}
