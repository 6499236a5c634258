// Show Logs: when the cluster serves no log, the hint fits the pod's state (running, waiting, terminated, …).
import { strict as assert } from 'node:assert';
import { logsUnavailableHint, type PodLogState } from '../../src/core/kube/actions';

const now = Date.parse('2026-12-02T12:00:00Z');
const ago = (s: number) => new Date(now - s * 1000).toISOString();
const pod = (state: NonNullable<NonNullable<PodLogState['status']>['containerStatuses']>[number]['state'], extra: Partial<PodLogState> = {}): PodLogState => ({
  spec: { nodeName: 'kwok-node-0' },
  status: { phase: 'Running', containerStatuses: [{ name: 'front-end', state }] },
  ...extra,
});

describe('Show Logs: why there is no log', () => {
  it('a pod running for minutes is not "not started yet": it says how long it has run and that the node served no log', () => {
    const h = logsUnavailableHint(pod({ running: { startedAt: ago(330) } }), 'front-end', now);
    assert.equal(h, "the container has been running for 5m30s on node kwok-node-0, but that node's kubelet served no log for it (a simulated node, such as kwok's, keeps none)");
    assert.doesNotMatch(h, /not started/);
  });

  it('a waiting container names its reason', () => {
    const h = logsUnavailableHint(pod({ waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "x"' } }), 'front-end', now);
    assert.equal(h, 'the container has not started: it is waiting (ImagePullBackOff: Back-off pulling image "x")');
  });

  it('a terminated container: reason, exit code, when', () => {
    const h = logsUnavailableHint(pod({ terminated: { reason: 'Error', exitCode: 2, finishedAt: ago(90) } }), 'front-end', now);
    assert.equal(h, 'the container terminated (Error: exit code 2) 90s ago and its log is no longer kept');
  });

  it('an unscheduled pod says so, with the scheduler\'s reason', () => {
    const h = logsUnavailableHint(
      { status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/2 nodes are available: 2 Insufficient cpu.' }] } },
      'front-end',
      now,
    );
    assert.equal(h, 'the pod is Pending and not scheduled on a node yet (Unschedulable: 0/2 nodes are available: 2 Insufficient cpu.)');
  });

  it('a terminating pod, a container with no status yet, an unreadable pod', () => {
    assert.match(logsUnavailableHint(pod({ running: {} }, { metadata: { deletionTimestamp: ago(5) } }), 'front-end', now), /^the pod is terminating \(deletion requested 5s ago\)$/);
    assert.equal(logsUnavailableHint({ spec: { nodeName: 'n1' }, status: { phase: 'Pending' } }, 'front-end', now), 'the container has not started yet (pod Pending on node n1)');
    assert.equal(logsUnavailableHint(undefined, 'front-end', now), 'the pod could not be read to say why');
  });
});
