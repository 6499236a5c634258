// The window's active port-forwards, shared by the Port-Forward commands: the list, the status bar item
// that counts them (a click lists them), and stopping one. Closing the window closes every tunnel.
import * as vscode from 'vscode';
import type { Tunnel } from '../../core/kube/portforward';
import type { Registry } from '../registry';

export interface Active {
  id: number;
  context: string;
  describe: string;
  namespace: string;
  tunnel: Tunnel;
  startedAt: number;
}

export class PortForwards implements vscode.Disposable {
  readonly active: Active[] = [];
  private next = 1;
  private readonly status = vscode.window.createStatusBarItem('sockShop.portForwards', vscode.StatusBarAlignment.Left, 90);

  constructor(private readonly reg: Registry) {
    this.status.name = 'Sock Shop port-forwards';
    this.status.command = 'sockShop.listPortForwards';
  }

  /** The next forward's id. */
  nextId(): number {
    return this.next++;
  }

  refresh(): void {
    const { active, status } = this;
    if (!active.length) return status.hide();
    status.text = `$(plug) ${active.length} forward${active.length === 1 ? '' : 's'}`;
    status.tooltip = active.map((a) => `${a.describe} (${a.namespace}, ${a.context}) → ${a.tunnel.url}`).join('\n');
    status.show();
  }

  async stop(a: Active): Promise<void> {
    const i = this.active.indexOf(a);
    if (i >= 0) this.active.splice(i, 1);
    await a.tunnel.close();
    this.reg.log.info(`port-forward stopped: ${a.describe} (${a.tunnel.url})`);
    this.refresh();
  }

  dispose(): void {
    this.status.dispose();
    void Promise.all(this.active.map((a) => a.tunnel.close()));
  }
}

/** The window's port-forwards (one list per window). */
export function portForwards(reg: Registry): PortForwards {
  return reg.service('portforward.active', () => new PortForwards(reg));
}
