// "Sock Shop: Change Grafana Password": through the port-forward to Grafana; the new password is kept in
// SecretStorage only.
import * as vscode from 'vscode';
import { CancelledError, UserError } from '../../core/errors';
import { changeGrafanaPassword, DEFAULT_PASSWORDS, findWorkingPassword, GRAFANA_USER } from '../../core/observability/grafana';
import type { Registry } from '../registry';
import { metrics, SECRET_KEY } from './shared';

export function registerChangeGrafanaPassword(reg: Registry): void {
  const m = metrics(reg);
  reg.command('sockShop.changeGrafanaPassword', async () => {
    const ep = await m.grafanaEndpoint(true);
    await m.assertPasswordMayGo(ep.url);
    const stored = await reg.context.secrets.get(SECRET_KEY);
    let current = await findWorkingPassword(ep.url, [stored, ...DEFAULT_PASSWORDS]);
    if (!current) {
      current = await vscode.window.showInputBox({ title: 'Current Grafana admin password', password: true, ignoreFocusOut: true });
      if (current === undefined) throw new CancelledError();
    }
    const next = await vscode.window.showInputBox({ title: 'New Grafana admin password', password: true, ignoreFocusOut: true, validateInput: (v) => (v.length < 8 ? 'Use at least 8 characters.' : undefined) });
    if (next === undefined) throw new CancelledError();
    const again = await vscode.window.showInputBox({ title: 'New Grafana admin password (again)', password: true, ignoreFocusOut: true });
    if (again === undefined) throw new CancelledError();
    if (again !== next) throw new UserError('The two passwords differ; nothing was changed.', 'Mismatch');
    await changeGrafanaPassword({ url: ep.url, user: GRAFANA_USER, password: current }, next);
    await reg.context.secrets.store(SECRET_KEY, next);
    reg.log.info('Grafana admin password changed (stored in secret storage).');
    void vscode.window.showInformationMessage('Grafana admin password changed. It is kept in this editor\'s secret storage only.');
  });
}
