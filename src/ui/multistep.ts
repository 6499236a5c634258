// One multi-step input for a wizard: every question in the same quick input, titled "Title (n/N)" (no
// counter for a single question), with a
// Back button from the second step on (Esc cancels the whole wizard). Steps are functions, so a later
// question can depend on an earlier answer and Back re-asks with the answer given before as the default.
import * as vscode from 'vscode';

const BACK = Symbol('back');
/** What a step returns when it asks nothing (see run). */
export const SKIP = Symbol('skip');
const CANCEL = Symbol('cancel');

export interface InputStep {
  /** This step's title (default: the wizard's); the counter follows it. */
  title?: string;
  prompt: string;
  value: string;
  placeholder?: string;
  /** An error message for the value, or undefined when it is acceptable. */
  validate?: (value: string) => string | undefined;
}

export interface PickStep<T extends vscode.QuickPickItem> {
  /** This step's title (default: the wizard's); the counter follows it. */
  title?: string;
  items: readonly T[];
  placeholder?: string;
  /** The item to highlight (e.g. the answer given before Back). */
  active?: (item: T) => boolean;
}

export class MultiStepInput {
  private step = 0;

  constructor(
    private readonly title: string,
    /** The number of steps the counter shows; a wizard whose later steps depend on answers may change it. */
    public totalSteps: number,
  ) {}

  /**
   * Runs the steps in order; Back goes to the previous one. A step that returns SKIP asks nothing (it does
   * not apply after an earlier answer): it is not counted, and Back passes over it. False when the user cancelled.
   */
  async run(steps: readonly ((input: MultiStepInput) => Promise<void | typeof SKIP>)[]): Promise<boolean> {
    const skipped = new Set<number>();
    let i = 0;
    let back = false;
    while (i < steps.length) {
      this.step = i + 1 - [...skipped].filter((j) => j < i).length;
      try {
        const r = await steps[i](this);
        if (r === SKIP) {
          skipped.add(i);
          if (back && i > 0) {
            i--;
            continue;
          }
        } else skipped.delete(i);
        back = false;
        i++;
      } catch (err) {
        if (err === BACK) {
          back = true;
          i = Math.max(0, i - 1);
        } else if (err === CANCEL) return false;
        else throw err;
      }
    }
    return true;
  }

  inputBox(opts: InputStep): Promise<string> {
    const box = vscode.window.createInputBox();
    box.title = opts.title ?? this.title;
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
    return this.pick(opts, false, (pick) => {
      const active = opts.active && opts.items.find(opts.active);
      if (active) pick.activeItems = [active];
    }, (pick) => pick.selectedItems[0] ?? pick.activeItems[0]);
  }

  /** A multi-select step (items with `picked: true` start selected); accepted only with at least one chosen. */
  quickPickMany<T extends vscode.QuickPickItem>(opts: PickStep<T>): Promise<T[]> {
    return this.pick(opts, true, (pick) => (pick.selectedItems = opts.items.filter((i) => i.picked)), (pick) => (pick.selectedItems.length ? [...pick.selectedItems] : undefined));
  }

  /** One quick pick of the wizard: its title and counter, Back from step 2, Escape cancels; `accept` says what Enter gives (undefined: nothing yet). */
  private pick<T extends vscode.QuickPickItem, R>(opts: PickStep<T>, many: boolean, init: (pick: vscode.QuickPick<T>) => void, accept: (pick: vscode.QuickPick<T>) => R | undefined): Promise<R> {
    const pick = vscode.window.createQuickPick<T>();
    pick.title = opts.title ?? this.title;
    if (this.totalSteps > 1) {
      pick.step = this.step;
      pick.totalSteps = this.totalSteps;
    }
    pick.placeholder = opts.placeholder;
    pick.ignoreFocusOut = true;
    pick.matchOnDescription = true;
    pick.canSelectMany = many;
    pick.items = opts.items;
    init(pick);
    pick.buttons = this.step > 1 ? [vscode.QuickInputButtons.Back] : [];
    let done = () => {};
    return new Promise<R>((resolve, reject) => {
      const subs = [
        pick.onDidTriggerButton((b) => b === vscode.QuickInputButtons.Back && reject(BACK)),
        pick.onDidAccept(() => {
          const chosen = accept(pick);
          if (chosen !== undefined) resolve(chosen);
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
