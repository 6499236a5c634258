import * as vscode from 'vscode';
import type { CommandId } from './command-ids';

export type { CommandId };

/** Runs one of the extension's own commands (typed: a misspelt id does not compile). */
export function executeOwnCommand(id: CommandId, ...args: unknown[]): Thenable<unknown> {
  return vscode.commands.executeCommand(id, ...args);
}
