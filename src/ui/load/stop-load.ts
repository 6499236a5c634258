// "Sock Shop: Stop Load": stops the load run in progress (its report is still written).
import * as vscode from 'vscode';
import type { Registry } from '../registry';
import { activeLoad } from './panel';

export function registerStopLoad(reg: Registry): void {
  reg.command('sockShop.stopLoad', () => {
    const active = activeLoad(reg).current;
    if (!active) {
      void vscode.window.showInformationMessage('No load run is in progress.');
      return;
    }
    active.stop();
    reg.log.info('load: stop requested');
  });
}
