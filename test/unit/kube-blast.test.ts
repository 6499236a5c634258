import assert from 'node:assert/strict';
import { blastLines, blastRadius } from '../../src/core/kube/blast';
import { killPodConfirmation } from '../../src/core/kube/guard';

const pod = (name: string, labels: Record<string, string> = { name: 'front-end' }) => ({ metadata: { name, labels } });

describe('blast radius of deleting pods', () => {
  it('names the Service a kill leaves without endpoints, behind the load balancer', () => {
    const b = blastRadius({
      victims: [pod('front-end-a')],
      services: [
        { name: 'front-end', type: 'LoadBalancer', readyPods: ['front-end-a'] },
        { name: 'carts', type: 'ClusterIP', readyPods: ['carts-x'] },
      ],
      budgets: [],
    });
    assert.deepEqual(b.services, [{ service: 'front-end', type: 'LoadBalancer', readyNow: 1, readyAfter: 0 }]);
    assert.deepEqual(b.warnings, ['Killing 1 of 1 ready front-end endpoint leaves no endpoint behind the load balancer: requests to front-end fail until a replacement is ready.']);
    const c = killPodConfirmation({ context: 'kwok-sock-shop-lab', namespace: 'sock-shop', pod: 'front-end-a', impact: blastLines(b) });
    assert.match(c.detail, /⚠ Killing 1 of 1 ready front-end endpoint leaves no endpoint behind the load balancer/);
    assert.match(c.detail, /Service front-end: 1 → 0 ready endpoints\./);
  });

  it('with replicas left, says how many endpoints remain and warns of nothing; a PDB past its allowance is said', () => {
    const b = blastRadius({
      victims: [pod('front-end-a'), pod('front-end-b')],
      services: [{ name: 'front-end', type: 'LoadBalancer', readyPods: ['front-end-a', 'front-end-b', 'front-end-c', 'front-end-d'] }],
      budgets: [
        { name: 'front-end', selector: { name: 'front-end' }, disruptionsAllowed: 1 },
        { name: 'carts', selector: { name: 'carts' }, disruptionsAllowed: 0 },
      ],
    });
    assert.deepEqual(blastLines(b), [
      '⚠ PodDisruptionBudget front-end allows 1 disruption now; deleting 2 of its pods goes past it (a delete is not an eviction: the budget does not stop it).',
      'Service front-end: 4 → 2 ready endpoints.',
      'PodDisruptionBudget front-end: allows 1 disruption now, covers 2 of the pods.',
    ]);
  });

  it('a pod behind no Service changes nothing', () => {
    assert.deepEqual(blastLines(blastRadius({ victims: [pod('job-1', { job: 'x' })], services: [{ name: 'front-end', type: 'LoadBalancer', readyPods: ['front-end-a'] }], budgets: [] })), []);
  });
});
