// The workshop walkthrough's steps complete by themselves: features call markStepDone when they observe
// a step done; the context key `sockShop.walkthrough.<step>` (the step's completionEvents in package.json)
// is set and remembered in globalState so it holds after a reload. Light module: used on activation.
import * as vscode from 'vscode';

export const WALKTHROUGH_STEPS = [
  'signedIn',
  'clusterRunning',
  'deployed',
  'verified',
  'metricsOpened',
  'loadRun',
  'experimentRun',
  'clusterDestroyed',
] as const;
export type WalkthroughStep = (typeof WALKTHROUGH_STEPS)[number];

const key = (step: WalkthroughStep) => `sockShop.walkthrough.${step}`;

export function markStepDone(context: vscode.ExtensionContext, step: WalkthroughStep): void {
  void context.globalState.update(key(step), true);
  void vscode.commands.executeCommand('setContext', key(step), true);
}

/** Restores the remembered steps' context keys (called on activation). */
export function restoreWalkthrough(context: vscode.ExtensionContext): void {
  for (const step of WALKTHROUGH_STEPS) {
    if (context.globalState.get<boolean>(key(step))) void vscode.commands.executeCommand('setContext', key(step), true);
  }
}
