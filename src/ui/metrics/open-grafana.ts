// "Sock Shop: Open Grafana": the Monitoring Stack's Grafana in the browser, with the login to use.
import * as vscode from 'vscode';
import { defaultGrafanaPassword, GRAFANA_USER } from '../../core/observability/grafana';
import { detectMonitoring } from '../../core/observability/prometheus';
import { kubeSession } from '../kube/session';
import type { Registry } from '../registry';
import { metrics, SECRET_KEY } from './shared';

export function registerOpenGrafana(reg: Registry): void {
  const m = metrics(reg);
  reg.command('sockShop.openGrafana', async () => {
    const ep = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Finding Grafana…' }, () => m.grafanaEndpoint());
    const stored = await reg.context.secrets.get(SECRET_KEY);
    const kc = await kubeSession(reg).current();
    const ns = (await detectMonitoring(kc)).namespace;
    await vscode.env.openExternal(vscode.Uri.parse(ep.url));
    const login = stored
      ? `Log in as ${GRAFANA_USER} with the password you set (kept in this editor's secret storage).`
      : `Default login: ${GRAFANA_USER} / ${defaultGrafanaPassword(ns)} (older installs: admin / changeme). Change it with "Sock Shop: Change Grafana Password".`;
    reg.log.info(`Grafana at ${ep.url} via ${ep.via}`);
    void vscode.window.showInformationMessage(`Grafana opened at ${ep.url} (${ep.via}). ${login}`);
  });
}
