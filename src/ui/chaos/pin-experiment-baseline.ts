// "Pin as Baseline" on a run in the Experiments view: pins it as the baseline Compare uses (or unpins it when it
// is the baseline already).
import * as vscode from 'vscode';
import { UserError } from '../../core/errors';
import type { Registry } from '../registry';
import { isRun, runsView, when } from './runs-view';

export function registerPinExperimentBaseline(reg: Registry): void {
  reg.command('sockShop.pinExperimentBaseline', async (arg?: unknown) => {
    if (!isRun(arg)) throw new UserError('Pick a run in the Experiments view to pin it as the baseline.', 'BadInput');
    const view = runsView(reg);
    const unpin = view.baseline() === arg.path;
    await view.setBaseline(unpin ? undefined : arg.path);
    view.changed.fire();
    void vscode.window.showInformationMessage(unpin ? 'Baseline unpinned.' : `Baseline: ${arg.result.source?.name ?? arg.result.spec.targets.join(', ')} of ${when(arg.result.startedAt)}.`);
  });
}
