// "Sock Shop: Abort Chaos Experiment": aborts the experiment in progress, however it was started.
import * as vscode from 'vscode';
import type { Registry } from '../registry';
import { abortExperiment } from './run';

export function registerAbortChaos(reg: Registry): void {
  reg.command('sockShop.abortChaos', () => {
    if (!abortExperiment(reg)) void vscode.window.showInformationMessage('No chaos experiment is running.');
  });
}
