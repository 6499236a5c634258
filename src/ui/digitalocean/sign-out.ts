// "Sock Shop: Sign out of DigitalOcean": after a modal confirmation, deletes the stored token from
// secret storage.
import * as vscode from 'vscode';
import type { Registry } from '../registry';
import { doSession } from './session';

export function registerSignOut(reg: Registry): void {
  const session = doSession(reg);
  reg.command('sockShop.signOut', async () => {
    const ok = await vscode.window.showWarningMessage('Sign out of DigitalOcean? The stored token is deleted from secret storage.', { modal: true }, 'Sign Out');
    if (ok === 'Sign Out') await session.signOut();
  });
}
