// What a stalled rollout waits for, from the Deployments' status and what their pods and events say.
import { strict as assert } from 'node:assert';
import type { V1Deployment } from '@kubernetes/client-node';
import { deploymentProgress, stallSummary } from '../../src/core/kube/rollout';

const dep = (name: string, status?: V1Deployment['status']): V1Deployment => ({ metadata: { name, generation: 1 }, spec: { replicas: 1, selector: { matchLabels: { name } }, template: {} }, status });

describe('rollout stall summary', () => {
  it('says when no Deployment got a ReplicaSet: the controller-manager', () => {
    const ds = [dep('carts'), dep('orders')];
    const lines = stallSummary(ds.map(deploymentProgress), ds, new Map(), 12_000);
    assert.deepEqual(lines, ['no Deployment has a ReplicaSet after 12 s: is kube-controller-manager running?']);
  });

  it('names image pull errors first, then scheduling, grouping Deployments by reason', () => {
    const ds = [dep('carts', { observedGeneration: 1, replicas: 1 }), dep('orders', { observedGeneration: 1, replicas: 1 }), dep('user', { observedGeneration: 1, replicas: 1 })];
    const reasons = new Map([
      ['carts', ['pod carts-abc: Pending, not scheduled']],
      ['orders', ['pod orders-x: ErrImagePull (pull access denied)', 'pod orders-y: Pending, not scheduled']],
      ['user', ['pod user-1: FailedScheduling: 0/2 nodes are available: 2 Insufficient cpu.']],
    ]);
    assert.deepEqual(stallSummary(ds.map(deploymentProgress), ds, reasons, 20_000), [
      'orders: ErrImagePull (pull access denied)',
      'user: FailedScheduling: 0/2 nodes are available: 2 Insufficient cpu.',
      'carts, orders: pods Pending, not scheduled (is kube-scheduler running? is there capacity?)',
    ]);
  });

  it('names a Deployment that does not exist, and says so when nothing is wrong yet', () => {
    assert.deepEqual(stallSummary([{ name: 'ghost', desired: 0, ready: 0, available: 0, updated: 0, done: false, missing: true }], [], new Map(), 10_000), ['ghost: the Deployment does not exist']);
    const d = dep('carts', { observedGeneration: 1, replicas: 1 });
    assert.deepEqual(stallSummary([deploymentProgress(d)], [d], new Map([['carts', []]]), 10_000), ['no change for 10 s; pods are starting (no error reported yet)']);
  });
});
