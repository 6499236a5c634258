// Metrics feature: "Open Metrics" / "Open Pod Metrics" (webview panels driven by core's MetricsController),
// "Open Grafana" and "Change Grafana Password" (password kept in SecretStorage only), one command per file.
import type { Registry } from '../registry';
import { registerChangeGrafanaPassword } from './change-grafana-password';
import { registerOpenGrafana } from './open-grafana';
import { registerOpenMetrics } from './open-metrics';
import { registerOpenPodMetrics } from './open-pod-metrics';

export function register(reg: Registry): void {
  registerOpenMetrics(reg);
  registerOpenPodMetrics(reg);
  registerOpenGrafana(reg);
  registerChangeGrafanaPassword(reg);
}
