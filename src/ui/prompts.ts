// The small shared base every command's prompts stand on: an input box that throws CancelledError on Escape
// (so a command's body reads top to bottom), a number prompt checked as it is typed, and the adapter that
// turns a parser which throws into an input box validator.
import * as vscode from 'vscode';
import { CancelledError } from '../core/errors';
import { checkNumber, parseDecimal } from '../core/load/inputs';

/** A validateInput from a parser that throws its message on bad input. */
export function validating(parse: (v: string) => unknown): (v: string) => string | undefined {
  return (v) => {
    try {
      parse(v);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  };
}

/** An input box (kept open when focus moves away); the trimmed answer, or CancelledError. */
export async function ask(title: string, value: string, validate?: (v: string) => string | undefined, prompt?: string): Promise<string> {
  const v = await vscode.window.showInputBox({ title, value, prompt, ignoreFocusOut: true, validateInput: validate });
  if (v === undefined) throw new CancelledError();
  return v.trim();
}

/** A number prompt, checked as it is typed (whole, min, max). */
export async function askNumber(title: string, value: number, opts: { integer?: boolean; min?: number; max?: number }, prompt?: string): Promise<number> {
  return parseDecimal(await ask(title, String(value), (v) => checkNumber(v, opts), prompt), opts) ?? value;
}

/** A quick pick of items; the chosen one, or CancelledError. */
export async function pickOne<T extends vscode.QuickPickItem>(items: T[], title: string): Promise<T> {
  const pick = await vscode.window.showQuickPick(items, { title, ignoreFocusOut: true });
  if (!pick) throw new CancelledError();
  return pick;
}
