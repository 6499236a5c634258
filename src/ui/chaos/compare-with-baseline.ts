// "Compare with Baseline" on a run in the Experiments view: the run against the pinned baseline (or a run picked
// when none is pinned), figures side by side in a Markdown preview.
import * as vscode from 'vscode';
import { UserError } from '../../core/errors';
import { compareRuns, comparisonMarkdown } from '../../core/chaos/history';
import type { Registry } from '../registry';
import { isRun, runsView, when } from './runs-view';

export function registerCompareWithBaseline(reg: Registry): void {
  reg.command('sockShop.compareWithBaseline', async (arg?: unknown) => {
    if (!isRun(arg)) throw new UserError('Pick a run in the Experiments view to compare it.', 'BadInput');
    const view = runsView(reg);
    const runs = view.cache.length ? view.cache : await view.load();
    let other = runs.find((r) => r.path === view.baseline() && r.path !== arg.path);
    if (!other) {
      const pick = await vscode.window.showQuickPick(
        runs.filter((r) => r.path !== arg.path).map((r) => ({ label: `${r.result.source?.name ?? r.result.spec.targets.join(', ')} · ${r.result.verdict}`, description: when(r.result.startedAt), run: r })),
        { title: 'Compare with which run? (pin one as the baseline to skip this)', ignoreFocusOut: true },
      );
      if (!pick) return;
      other = pick.run;
    }
    const [older, newer] = other.result.startedAt <= arg.result.startedAt ? [other, arg] : [arg, other];
    const doc = await vscode.workspace.openTextDocument({ language: 'markdown', content: comparisonMarkdown(compareRuns(older.result, newer.result)) });
    await vscode.commands.executeCommand('markdown.showPreview', doc.uri).then(undefined, () => vscode.window.showTextDocument(doc));
  });
}
