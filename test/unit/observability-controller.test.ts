// The metrics panel's controller when there is no kubeconfig to use: it says why (the missing file), not
// "no Prometheus Service found". No cluster and no network: the kubeconfig fails before anything is sent.
import { strict as assert } from 'node:assert';
import type { HostMessage } from '../../src/common/contracts/metrics';
import { UserError } from '../../src/core/errors';
import { MetricsController } from '../../src/core/observability/controller';

describe('metrics controller without a kubeconfig', () => {
  it('reports the missing kubeconfig file as the reason, in the status and as the access error', async () => {
    const messages: HostMessage[] = [];
    const missing = new UserError('The kubeconfig file /nope/config set in sockShop.kubeconfigPath does not exist. Fix the setting, or clear it to use KUBECONFIG or ~/.kube/config.', 'MissingKubeconfigFile');
    const c = new MetricsController(
      { post: (m) => messages.push(m), kubeConfig: () => Promise.reject(missing), log: () => undefined, accessOrder: ['port-forward', 'service-proxy'], timeoutMs: 1_000 },
      { refreshSeconds: 0 },
    );
    try {
      await c.start();
      assert.match(c.accessError!, /^The kubeconfig file \/nope\/config set in sockShop\.kubeconfigPath does not exist/);
      assert.doesNotMatch(c.accessError!, /no Prometheus Service/);
      const statuses = messages.filter((m): m is Extract<HostMessage, { type: 'status' }> => m.type === 'status');
      const last = statuses[statuses.length - 1];
      assert.match(last.message ?? '', /^Cannot read the cluster: The kubeconfig file \/nope\/config/);
      assert.match((last.access as { error?: string }).error ?? '', /does not exist/);
    } finally {
      c.dispose?.();
    }
  });
});
