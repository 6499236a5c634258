// The metrics panel's time ranges: up to 24 h, an absolute window (typed in local time or dragged on a chart)
// that the controller checks before it queries, the walkthrough's "Last 5 minutes" every 5 s, and the top-pods
// table over every namespace.
import { strict as assert } from 'node:assert';
import { absoluteRangeProblem, checkWebviewMessage, RANGE_MS, TIME_RANGES, WORKSHOP_RANGE, WORKSHOP_REFRESH_SECONDS, type HostMessage } from '../../src/common/contracts/metrics';
import { UserError } from '../../src/core/errors';
import { MetricsController } from '../../src/core/observability/controller';
import { resolveSetting } from '../../src/core/settings';
import { absoluteLabel, fromLocalInput, toLocalInput } from '../../src/webview/metrics/range';

const NOW = new Date(2026, 11, 2, 18, 30).getTime();

describe('metrics panel time ranges', () => {
  it('offers ranges up to 24 h, and the workshop starts at the last 5 minutes, refreshed every 5 s', () => {
    assert.deepEqual([...TIME_RANGES], ['5m', '15m', '1h', '6h', '12h', '24h']);
    assert.equal(RANGE_MS['24h'], 86_400_000);
    assert.equal(WORKSHOP_RANGE, '5m');
    assert.equal(WORKSHOP_REFRESH_SECONDS, 5);
  });

  it('an absolute range must end after it starts, span 1 minute to 31 days, and not start in the future', () => {
    assert.equal(absoluteRangeProblem({ fromMs: NOW - 3_600_000, toMs: NOW }, NOW), undefined);
    assert.match(absoluteRangeProblem({ fromMs: NOW, toMs: NOW - 1 }, NOW)!, /end after it starts/);
    assert.match(absoluteRangeProblem({ fromMs: NOW - 30_000, toMs: NOW }, NOW)!, /at least 1 minute/);
    assert.match(absoluteRangeProblem({ fromMs: NOW - 40 * 86_400_000, toMs: NOW }, NOW)!, /at most 31 days/);
    assert.match(absoluteRangeProblem({ fromMs: NOW + 120_000, toMs: NOW + 600_000 }, NOW)!, /starts in the future/);
    assert.match(absoluteRangeProblem({ fromMs: NaN, toMs: NOW }, NOW)!, /must be dates/);
  });

  it('the datetime-local inputs read and write local time; impossible dates are refused', () => {
    assert.equal(toLocalInput(NOW), '2026-12-02T18:30');
    assert.equal(fromLocalInput('2026-12-02T18:30'), NOW);
    assert.equal(fromLocalInput('2026-12-02T18:30:15'), NOW + 15_000);
    assert.ok(Number.isNaN(fromLocalInput('2026-02-31T10:00')));
    assert.ok(Number.isNaN(fromLocalInput('yesterday')));
    assert.equal(absoluteLabel({ fromMs: NOW - 1_800_000, toMs: NOW }), 'Dec 2 18:00 – 18:30');
    assert.equal(absoluteLabel({ fromMs: NOW - 86_400_000, toMs: NOW }), 'Dec 1 18:30 – Dec 2 18:30');
  });

  it('the contract checks setAbsolute and setTopScope', () => {
    assert.ok(checkWebviewMessage({ type: 'setAbsolute', fromMs: NOW - 60_000, toMs: NOW, requestId: 1 }).ok);
    assert.equal(checkWebviewMessage({ type: 'setAbsolute', fromMs: 'yesterday', toMs: NOW, requestId: 2 }).ok, false);
    assert.ok(checkWebviewMessage({ type: 'setTopScope', allNamespaces: true, requestId: 3 }).ok);
    assert.equal(checkWebviewMessage({ type: 'setTopScope', allNamespaces: 'yes', requestId: 4 }).ok, false);
    assert.ok(checkWebviewMessage({ type: 'setRange', range: '24h', requestId: 5 }).ok);
    assert.equal(checkWebviewMessage({ type: 'setRange', range: '2d', requestId: 6 }).ok, false);
  });

  it('the controller takes an absolute range, refuses a bad one with its reason, and goes back to the relative one', async () => {
    const messages: HostMessage[] = [];
    const noCluster = new UserError('no cluster in this test', 'NoCluster');
    const c = new MetricsController({ post: (m) => messages.push(m), kubeConfig: () => Promise.reject(noCluster), log: () => undefined, now: () => NOW, timeoutMs: 1_000 }, { refreshSeconds: 0, range: '1h' });
    const replies = () => messages.filter((m): m is Extract<HostMessage, { type: 'reply' }> => m.type === 'reply');
    const lastSettings = () => messages.filter((m): m is Extract<HostMessage, { type: 'settings' }> => m.type === 'settings').pop()?.settings;
    try {
      await c.handle({ type: 'setAbsolute', fromMs: NOW - 600_000, toMs: NOW - 300_000, requestId: 1 });
      assert.deepEqual(c.settings.absolute, { fromMs: NOW - 600_000, toMs: NOW - 300_000 });
      assert.deepEqual(lastSettings()?.absolute, { fromMs: NOW - 600_000, toMs: NOW - 300_000 }, 'the toolbar is told');
      await c.handle({ type: 'setAbsolute', fromMs: NOW, toMs: NOW - 1, requestId: 2 });
      assert.deepEqual(replies().find((r) => r.requestId === 2), { type: 'reply', requestId: 2, ok: false, error: 'The range must end after it starts.' });
      assert.deepEqual(c.settings.absolute, { fromMs: NOW - 600_000, toMs: NOW - 300_000 }, 'a refused range changes nothing');
      await c.handle({ type: 'setRange', range: '24h', requestId: 3 });
      assert.equal(c.settings.absolute, undefined);
      assert.equal(c.settings.range, '24h');
      await c.handle({ type: 'setTopScope', allNamespaces: true, requestId: 4 });
      assert.equal(lastSettings()?.topAllNamespaces, true);
      await c.handle({ type: 'setRefresh', seconds: 5, requestId: 5 });
      assert.equal(lastSettings()?.refreshSeconds, 5, 'the refresh choice reaches the toolbar too');
    } finally {
      c.dispose?.();
    }
  });

  it('sockShop.metrics.defaultRange takes the ranges the panel offers, else 1h', () => {
    assert.equal(resolveSetting('metrics.defaultRange', { globalValue: '24h' }).value, '24h');
    assert.equal(resolveSetting('metrics.defaultRange', { globalValue: '2d' }).value, '1h');
  });
});
