// One multi-step input for a wizard: every question in the same quick input, titled "Title (n/N)" (no
// counter for a single question), with a
// Back button from the second step on (Esc cancels the whole wizard). Steps are functions, so a later
// question can depend on an earlier answer and Back re-asks with the answer given before as the default.
import * as vscode from 'vscode';

const BACK = Symbol('back');
const CANCEL = Symbol('cancel');

export interface InputStep {
  prompt: string;
  value: string;
  placeholder?: string;
  /** An error message for the value, or undefined when it is acceptable. */
  validate?: (value: string) => string | undefined;
}

export interface PickStep<T extends vscode.QuickPickItem> {
  items: readonly T[];
  placeholder?: string;
  /** The item to highlight (e.g. the answer given before Back). */
  active?: (item: T) => boolean;
}

export class MultiStepInput {
  private step = 0;

  constructor(
    private readonly title: string,
    private readonly totalSteps: number,
  ) {}

  /** Runs the steps in order; Back goes to the previous one. False when the user cancelled. */
  async run(steps: readonly ((input: MultiStepInput) => Promise<void>)[]): Promise<boolean> {
    let i = 0;
    while (i < steps.length) {
      this.step = i + 1;
      try {
        await steps[i](this);
        i++;
      } catch (err) {
        if (err === BACK) i = Math.max(0, i - 1);
        else if (err === CANCEL) return false;
        else throw err;
      }
    }
    return true;
  }

  inputBox(opts: InputStep): Promise<string> {
    const box = vscode.window.createInputBox();
    box.title = this.title;
    if (this.totalSteps > 1) {
      box.step = this.step;
      box.totalSteps = this.totalSteps;
    }
    box.prompt = opts.prompt;
    box.value = opts.value;
    box.placeholder = opts.placeholder;
    box.ignoreFocusOut = true;
    box.buttons = this.step > 1 ? [vscode.QuickInputButtons.Back] : [];
    let done = () => {};
    return new Promise<string>((resolve, reject) => {
      const check = (v: string) => (box.validationMessage = opts.validate?.(v));
      const subs = [
        box.onDidChangeValue(check),
        box.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && reject(BACK)),
        box.onDidAccept(() => {
          if (check(box.value)) return;
          resolve(box.value);
        }),
        box.onDidHide(() => reject(CANCEL)),
      ];
      check(box.value);
      box.show();
      done = () => {
        subs.forEach((s) => s.dispose());
        box.dispose();
      };
    }).finally(() => done());
  }

  quickPick<T extends vscode.QuickPickItem>(opts: PickStep<T>): Promise<T> {
    const pick = vscode.window.createQuickPick<T>();
    pick.title = this.title;
    if (this.totalSteps > 1) {
      pick.step = this.step;
      pick.totalSteps = this.totalSteps;
    }
    pick.placeholder = opts.placeholder;
    pick.ignoreFocusOut = true;
    pick.matchOnDescription = true;
    pick.items = opts.items;
    const active = opts.active && opts.items.find(opts.active);
    if (active) pick.activeItems = [active];
    pick.buttons = this.step > 1 ? [vscode.QuickInputButtons.Back] : [];
    let done = () => {};
    return new Promise<T>((resolve, reject) => {
      const subs = [
        pick.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && reject(BACK)),
        pick.onDidAccept(() => {
          const chosen = pick.selectedItems[0] ?? pick.activeItems[0];
          if (chosen) resolve(chosen);
        }),
        pick.onDidHide(() => reject(CANCEL)),
      ];
      pick.show();
      done = () => {
        subs.forEach((s) => s.dispose());
        pick.dispose();
      };
    }).finally(() => done());
  }
}
