// The UI half of src/core/kube/guard.ts: shows a confirmation as a modal and turns "no" into a cancellation.
import * as vscode from 'vscode';
import { CancelledError } from '../core/errors';
import type { Confirmation } from '../core/kube/guard';

/** Asks with a modal dialog; resolves when the user chose the confirmation's button, else throws CancelledError. */
export async function confirmModal(c: Confirmation): Promise<void> {
  const answer = await vscode.window.showWarningMessage(c.message, { modal: true, detail: c.detail }, c.button);
  if (answer !== c.button) throw new CancelledError();
}
