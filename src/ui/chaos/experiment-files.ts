// *.chaos.yaml in the editor: problems from the schema (src/core/chaos/file.ts) as diagnostics while typing,
// and CodeLenses on the first line — Run, Dry run, Compare with the last run of the same experiment. A run
// from a file goes through the same runner, guards and confirmation as Start Chaos Experiment.
import * as vscode from 'vscode';
import { UserError } from '../../core/errors';
import { experimentImpact, experimentPlan } from '../../core/chaos/confirm';
import { listCandidates, type ExperimentResult } from '../../core/chaos/experiment';
import { EXPERIMENT_SCHEMA, isExperimentFile, loadTargetService, parseExperiment, toSpec } from '../../core/chaos/file';
import { completionsAt } from '../../core/chaos/complete';
import { compareRuns, comparisonMarkdown, gitSource, listRuns } from '../../core/chaos/history';
import { assertChaosNamespace } from '../../core/kube/guard';
import { serviceAddress } from '../../core/kube/services';
import { kubeSession } from '../kube/session';
import { confirmModal } from '../guard';
import type { Registry } from '../registry';
import { setting } from '../settings';
import { runExperimentInEditor } from './run';

const SOURCE = 'sock-shop';
const DEBOUNCE_MS = 300;
const SELECTOR: vscode.DocumentSelector = [{ pattern: '**/*.chaos.{yaml,yml}' }];

export function registerExperimentFiles(reg: Registry): void {
  const collection = vscode.languages.createDiagnosticCollection('sock-shop-experiments');
  const timers = new Map<string, NodeJS.Timeout>();
  const lensesChanged = new vscode.EventEmitter<void>();
  const runsChanged = reg.service('chaos.runsChanged', () => new vscode.EventEmitter<void>());

  const check = (doc: vscode.TextDocument): void => {
    if (!isExperimentFile(doc.fileName)) return;
    const { problems } = parseExperiment(doc.getText());
    collection.set(
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
  };

  reg.context.subscriptions.push(
    collection,
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

  reg.command('sockShop.runExperimentFile', async (arg?: unknown, opts?: { dryRun?: boolean }) => {
    const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
    if (!uri || !isExperimentFile(uri.fsPath || uri.path)) throw new UserError('Open a .chaos.yaml file first (or use Sock Shop: Start Chaos Experiment to write one).', 'NoEditor');
    const doc = await vscode.workspace.openTextDocument(uri);
    const parsed = parseExperiment(doc.getText());
    if (!parsed.experiment) {
      check(doc);
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

  reg.command('sockShop.compareExperimentRuns', async (name?: unknown) => {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) throw new UserError('Open a folder first: saved runs live in its .sockshop/reports.', 'NoWorkspace');
    const { runs, skipped } = await listRuns(folder.uri.fsPath);
    for (const s of skipped) reg.log.warn(`compare: skipped ${s.path}: ${s.reason}`);
    const of = typeof name === 'string' ? runs.filter((r) => r.result.source?.name === name) : runs;
    const pool = of.length >= 2 ? of : runs;
    if (pool.length < 2) throw new UserError(`Compare needs two saved runs${typeof name === 'string' ? ` of ${name}` : ''}; ${pool.length === 1 ? 'there is one' : 'there are none'} in .sockshop/reports.`, 'NotFound');
    const item = (r: { path: string; result: ExperimentResult }) => ({
      label: `${r.result.verdict === 'PASS' ? '$(pass)' : r.result.verdict === 'FAIL' ? '$(error)' : '$(circle-outline)'} ${r.result.startedAt.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}`,
      description: `${r.result.source?.name ?? r.result.spec.targets.join(', ')} · ${r.result.verdict}`,
      detail: r.result.context ? `context ${r.result.context}` : undefined,
      run: r,
    });
    const after = await vscode.window.showQuickPick(pool.map(item), { title: 'Compare runs (1/2): the later run', ignoreFocusOut: true });
    if (!after) return;
    const before = await vscode.window.showQuickPick(pool.filter((r) => r !== after.run).map(item), { title: 'Compare runs (2/2): the run to compare it with (the baseline)', ignoreFocusOut: true });
    if (!before) return;
    const [older, newer] = before.run.result.startedAt <= after.run.result.startedAt ? [before.run, after.run] : [after.run, before.run];
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: comparisonMarkdown(compareRuns(older.result, newer.result)) });
    await vscode.commands.executeCommand('markdown.showPreview', doc.uri).then(undefined, () => vscode.window.showTextDocument(doc));
  });
}
