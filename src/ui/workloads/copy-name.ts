// "Sock Shop: Copy Name": copies the name of a Workloads tree item (a picked pod from the palette).
import * as vscode from 'vscode';
import { refOf } from '../../core/kube/refs';
import type { Registry } from '../registry';
import { target } from './shared';

export function registerCopyName(reg: Registry): void {
  // ---- Copy name ----
  reg.command('sockShop.copyName', async (arg?: unknown) => {
    const ref = refOf(arg) ?? (await target(reg, undefined, 'Pod', 'Copy Name'));
    await vscode.env.clipboard.writeText(ref.name);
    void vscode.window.setStatusBarMessage(`Copied "${ref.name}"`, 3000);
  });
}
