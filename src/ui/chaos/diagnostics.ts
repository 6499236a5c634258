// Chaos diagnostics in every YAML editor: the checks of src/core/chaos/diagnostics.ts on open and (debounced)
// on change, and their fixes as quick fixes.
import * as vscode from 'vscode';
import { chaosDiagnostics, diagnosticsSkipReason, type ChaosDiagnostic, type Fix, type Range } from '../../core/chaos/diagnostics';
import type { Registry } from '../registry';

const SOURCE = 'sock-shop';
const DEBOUNCE_MS = 300;

const toRange = (r: Range) => new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);

const SEVERITY: Record<ChaosDiagnostic['severity'], vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  info: vscode.DiagnosticSeverity.Information,
};

function isYaml(doc: vscode.TextDocument): boolean {
  return doc.languageId === 'yaml' || /\.ya?ml$/i.test(doc.fileName);
}

export function registerChaosDiagnostics(reg: Registry): void {
  const collection = vscode.languages.createDiagnosticCollection('sock-shop-chaos');
  const fixes = new WeakMap<vscode.Diagnostic, Fix>();
  const timers = new Map<string, NodeJS.Timeout>();

  const skipped = new Set<string>();
  const check = (doc: vscode.TextDocument): void => {
    if (!isYaml(doc)) return;
    const text = doc.getText();
    const skip = diagnosticsSkipReason(text.length);
    if (skip) {
      collection.delete(doc.uri);
      const key = doc.uri.toString();
      if (!skipped.has(key)) reg.log.info(`diagnostics: skipped ${doc.uri.fsPath || key}: ${skip}`);
      skipped.add(key);
      return;
    }
    const found = chaosDiagnostics(text);
    collection.set(
      doc.uri,
      found.map((d) => {
        const diag = new vscode.Diagnostic(toRange(d.range), d.message, SEVERITY[d.severity]);
        diag.code = d.code;
        diag.source = SOURCE;
        if (d.fix) fixes.set(diag, d.fix);
        return diag;
      }),
    );
  };

  const schedule = (doc: vscode.TextDocument): void => {
    if (!isYaml(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(timers.get(key));
    timers.set(
      key,
      setTimeout(() => {
        timers.delete(key);
        check(doc);
      }, DEBOUNCE_MS),
    );
  };

  reg.context.subscriptions.push(
    collection,
    vscode.workspace.onDidOpenTextDocument(check),
    vscode.workspace.onDidChangeTextDocument((e) => schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((doc) => {
      clearTimeout(timers.get(doc.uri.toString()));
      collection.delete(doc.uri);
    }),
    vscode.languages.registerCodeActionsProvider(
      [{ language: 'yaml' }, { pattern: '**/*.{yaml,yml}' }],
      {
        provideCodeActions(doc, _range, context) {
          const actions: vscode.CodeAction[] = [];
          for (const diag of context.diagnostics) {
            const fix = fixes.get(diag);
            if (!fix || diag.source !== SOURCE) continue;
            const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
            action.diagnostics = [diag];
            action.isPreferred = true;
            action.edit = new vscode.WorkspaceEdit();
            for (const e of fix.edits) action.edit.replace(doc.uri, toRange(e.range), e.newText);
            actions.push(action);
          }
          return actions;
        },
      },
      { providedCodeActionKinds: [vscode.CodeActionKind.QuickFix] },
    ),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
  // Documents already open when the features load.
  for (const doc of vscode.workspace.textDocuments) check(doc);
}
