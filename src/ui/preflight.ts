// Before Run Load and a chaos experiment: one request to the target; when it fails, say what happened and
// ask before running (a run against a target that refuses is 100 % failures from the first second).
import * as vscode from 'vscode';
import { CancelledError } from '../core/errors';
import { preflight } from '../core/load/preflight';
import type { TargetSpec } from '../core/load/types';
import type { Registry } from './registry';

export async function confirmTargetAnswers(reg: Registry, target: Pick<TargetSpec, 'url' | 'headers' | 'cookies'>, action: string): Promise<void> {
  const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Checking ${target.url}…` }, () => preflight(target));
  reg.log.info(`pre-flight: ${target.url} ${r.summary}`);
  if (r.ok) return;
  const anyway = `${action} Anyway`;
  const pick = await vscode.window.showWarningMessage(
    `${target.url} ${r.summary}.`,
    { modal: true, detail: `A request sent just now failed, so the run would most likely fail from the first second. ${action} anyway?` },
    anyway,
  );
  if (pick !== anyway) throw new CancelledError(`Not started: ${target.url} ${r.summary}.`);
}
