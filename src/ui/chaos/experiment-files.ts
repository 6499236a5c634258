// *.chaos.yaml in the editor: problems from the schema (src/core/chaos/file.ts) as diagnostics while typing,
// and CodeLenses on the first line — Run, Dry run, Compare with the last run of the same experiment. A run
// from a file goes through the same runner, guards and confirmation as Start Chaos Experiment
// (run-experiment-file.ts; Compare runs is compare-experiment-runs.ts).
import * as vscode from 'vscode';
import { EXPERIMENT_SCHEMA, isExperimentFile, parseExperiment } from '../../core/chaos/file';
import { completionsAt } from '../../core/chaos/complete';
import type { Registry } from '../registry';

const SOURCE = 'sock-shop';
const DEBOUNCE_MS = 300;
const SELECTOR: vscode.DocumentSelector = [{ pattern: '**/*.chaos.{yaml,yml}' }];

/** The problems of *.chaos.yaml files (one collection per window). */
function experimentProblems(reg: Registry): vscode.DiagnosticCollection {
  return reg.service('chaos.experimentProblems', () => vscode.languages.createDiagnosticCollection('sock-shop-experiments'));
}

/** Sets the Problems of doc from the schema, when it is a *.chaos.yaml file. */
export function checkExperimentFile(reg: Registry, doc: vscode.TextDocument): void {
  if (!isExperimentFile(doc.fileName)) return;
  const { problems } = parseExperiment(doc.getText());
  experimentProblems(reg).set(
    doc.uri,
    problems.map((p) => {
      const start = doc.positionAt(p.range[0]);
      const end = p.range[1] > p.range[0] ? doc.positionAt(p.range[1]) : doc.lineAt(start.line).range.end;
      const d = new vscode.Diagnostic(new vscode.Range(start, end), p.message, vscode.DiagnosticSeverity.Error);
      d.source = SOURCE;
      d.code = 'chaos-experiment';
      return d;
    }),
  );
}

export function registerExperimentFiles(reg: Registry): void {
  const collection = experimentProblems(reg);
  const timers = new Map<string, NodeJS.Timeout>();
  const lensesChanged = new vscode.EventEmitter<void>();
  const runsChanged = reg.service('chaos.runsChanged', () => new vscode.EventEmitter<void>());
  const check = (doc: vscode.TextDocument): void => checkExperimentFile(reg, doc);

  reg.context.subscriptions.push(
    lensesChanged,
    vscode.workspace.onDidOpenTextDocument(check),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (!isExperimentFile(e.document.fileName)) return;
      const key = e.document.uri.toString();
      clearTimeout(timers.get(key));
      timers.set(key, setTimeout(() => (timers.delete(key), check(e.document)), DEBOUNCE_MS));
    }),
    vscode.workspace.onDidCloseTextDocument((doc) => collection.delete(doc.uri)),
    runsChanged.event(() => lensesChanged.fire()),
    vscode.languages.registerCodeLensProvider(SELECTOR, {
      onDidChangeCodeLenses: lensesChanged.event,
      provideCodeLenses(doc) {
        const range = new vscode.Range(0, 0, 0, 0);
        const parsed = parseExperiment(doc.getText());
        if (!parsed.experiment) {
          return [new vscode.CodeLens(range, { title: `$(error) ${parsed.problems.length} problem${parsed.problems.length === 1 ? '' : 's'}: fix ${parsed.problems.length === 1 ? 'it' : 'them'} to run`, command: 'workbench.actions.view.problems' })];
        }
        return [
          new vscode.CodeLens(range, { title: '$(play) Run', command: 'sockShop.runExperimentFile', arguments: [doc.uri, { dryRun: false }], tooltip: 'Send the load and kill pods as this file says (asks first)' }),
          new vscode.CodeLens(range, { title: '$(checklist) Dry run', command: 'sockShop.runExperimentFile', arguments: [doc.uri, { dryRun: true }], tooltip: 'Plan only: which pods each kill would take; no load, no kills' }),
          new vscode.CodeLens(range, { title: '$(diff) Compare runs', command: 'sockShop.compareExperimentRuns', arguments: [parsed.experiment.metadata.name], tooltip: 'Compare two saved runs of this experiment' }),
        ];
      },
    }),
    vscode.languages.registerCompletionItemProvider(
      SELECTOR,
      {
        provideCompletionItems(doc, pos) {
          return completionsAt(EXPERIMENT_SCHEMA, doc.getText(), pos.line, pos.character).map((c) => {
            const item = new vscode.CompletionItem(c.label, c.kind === 'field' ? vscode.CompletionItemKind.Field : vscode.CompletionItemKind.EnumMember);
            item.insertText = c.insertText;
            item.detail = c.detail;
            if (c.documentation) item.documentation = new vscode.MarkdownString(c.documentation);
            // Required fields sort first; the schema's order after that.
            item.sortText = `${c.required ? 0 : 1}${String(c.label)}`;
            if (c.kind === 'field' && c.insertText.endsWith('\n' + ' '.repeat(pos.character + 2))) item.command = { command: 'editor.action.triggerSuggest', title: 'fields' };
            return item;
          });
        },
      },
      ' ',
      ':',
    ),
    { dispose: () => timers.forEach((t) => clearTimeout(t)) },
  );
  for (const doc of vscode.workspace.textDocuments) check(doc);
}
