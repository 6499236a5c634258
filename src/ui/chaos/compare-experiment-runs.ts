// "Sock Shop: Compare Experiment Runs" (a *.chaos.yaml's Compare runs CodeLens): two saved runs — of that
// experiment when it has two — side by side in a Markdown preview.
import * as vscode from 'vscode';
import { UserError } from '../../core/errors';
import type { ExperimentResult } from '../../core/chaos/experiment';
import { compareRuns, comparisonMarkdown, listRuns } from '../../core/chaos/history';
import type { Registry } from '../registry';

export function registerCompareExperimentRuns(reg: Registry): void {
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
