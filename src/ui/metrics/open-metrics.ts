// "Sock Shop: Open Metrics": the namespace's dashboards and top table in an editor panel (walkthrough step).
// From the walkthrough's Observe step it opens on the workshop's "Last 5 minutes", refreshed every 5 s;
// otherwise on sockShop.metrics.defaultRange.
import { DEFAULT_DASHBOARD_UID, WORKSHOP_RANGE, WORKSHOP_REFRESH_SECONDS } from '../../common/contracts/metrics';
import { setting } from '../settings';
import { markStepDone } from '../walkthrough-steps';
import type { Registry } from '../registry';
import { metrics } from './shared';

export function registerOpenMetrics(reg: Registry): void {
  const m = metrics(reg);
  reg.command('sockShop.openMetrics', (from?: unknown) => {
    const namespace = setting('namespace');
    const workshop = from === 'walkthrough';
    m.open('namespace', 'Sock Shop Metrics', {
      dashboardUid: DEFAULT_DASHBOARD_UID,
      variables: { namespace },
      // An open panel keeps the range chosen in it, unless the walkthrough asks for the workshop's.
      ...(workshop ? { range: WORKSHOP_RANGE } : m.panels.has('namespace') ? {} : { range: setting('metrics.defaultRange') }),
      ...(workshop ? { refreshSeconds: WORKSHOP_REFRESH_SECONDS } : {}),
    });
    markStepDone(reg.context, 'metricsOpened');
  });
}
