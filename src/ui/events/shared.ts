// What the Events view and its filter commands share: whether only Warning events are shown (kept per
// workspace, mirrored in a context key for the view's title buttons) and the view's change event.
import * as vscode from 'vscode';
import type { Registry } from '../registry';

const WARNINGS_KEY = 'sockShop.eventsWarningsOnly';

export class EventsFilter implements vscode.Disposable {
  readonly changed = new vscode.EventEmitter<void>();
  warningsOnly: boolean;

  constructor(private readonly reg: Registry) {
    this.warningsOnly = reg.context.workspaceState.get<boolean>(WARNINGS_KEY) ?? false;
    void vscode.commands.executeCommand('setContext', WARNINGS_KEY, this.warningsOnly);
  }

  async setWarnings(on: boolean): Promise<void> {
    this.warningsOnly = on;
    await this.reg.context.workspaceState.update(WARNINGS_KEY, on);
    await vscode.commands.executeCommand('setContext', WARNINGS_KEY, on);
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}

/** The window's Events filter (one per window). */
export function eventsFilter(reg: Registry): EventsFilter {
  return reg.service('events.filter', () => new EventsFilter(reg));
}
