// What the load panel shows: one req/s figure that matches the headline and the notification once the run is
// over, no users tile for ab/open runs, a failure axis of 0–100 %, tick labels that fit, and a line that says
// why "Responses" is empty when every request failed.
import { strict as assert } from 'node:assert';
import type { LiveStats, RunInfo, RunSummary } from '../../src/common/contracts/load';
import { compactTick, FAILURE_RANGE, hasUsers, noResponsesLine, rpsTile } from '../../src/webview/load/view';

const last = { rps: 4950.5 } as LiveStats;
const summary: RunSummary = { endReason: 'completed', requests: 46083, failures: 0, failPercent: 0, rps: 4608.3, p50Ms: 1, p95Ms: 2, p99Ms: 3, statuses: { '200': 46083 }, failuresByCause: {} };
const run = (model: string, source: RunInfo['source'] = 'engine'): RunInfo => ({ id: 1, title: 'Load run', target: 'http://127.0.0.1/', model, source, startedAt: 0 });

describe('load panel view', () => {
  it('shows the last second\'s req/s while running and the run\'s mean (the headline\'s figure) when done', () => {
    assert.deepEqual(rpsTile(last, undefined), { label: 'req/s now', value: 4950.5 });
    assert.deepEqual(rpsTile(last, summary), { label: 'mean req/s', value: 4608.3 });
  });

  it('has a users tile only for the users model and Locust runs', () => {
    assert.equal(hasUsers(run('closed (ab): 200 requests, concurrency 5')), false);
    assert.equal(hasUsers(run('open: 20 requests/s, up to 100 connections')), false);
    assert.equal(hasUsers(run('users (Locust): 50 users, spawn 10/s')), true);
    assert.equal(hasUsers(run('Locust in the cluster', 'locust')), true);
    assert.equal(hasUsers(undefined), false);
  });

  it('bounds the failure axis at 100 % and writes ticks compactly', () => {
    assert.deepEqual(FAILURE_RANGE, [0, 100]);
    assert.deepEqual([0, 950, 4950.5, 12000, 1_250_000].map(compactTick), ['0', '950', '4.95k', '12k', '1.25M']);
    assert.equal(compactTick(0.25), '0.25');
  });

  it('says why there are no responses when every request failed', () => {
    assert.equal(noResponsesLine(summary), undefined);
    assert.equal(noResponsesLine({ ...summary, statuses: {}, failures: 1200, requests: 1200, failuresByCause: { ECONNREFUSED: 1200 } }), 'No HTTP response: all 1,200 requests failed before an answer.');
  });
});
