// The blast-radius preview on the lab: the real EndpointSlice controller's view of a Service, read before a kill.
import { strict as assert } from 'node:assert';
import * as k8s from '@kubernetes/client-node';
import { podKillImpact } from '../../src/core/kube/blast';
import { frontEndNamespace } from './stand-in.ts';

describe('blast radius on the lab', function () {
  this.timeout(90_000);

  const w = frontEndNamespace('blast-it', 1, async (w) => {
    await w.core.createNamespacedService({ namespace: w.namespace, body: { metadata: { name: 'front-end' }, spec: { type: 'ClusterIP', selector: { name: 'front-end' }, ports: [{ port: 80, targetPort: 8079 }] } } });
  });

  it('killing the only front-end pod is said to leave the front-end Service with no endpoint', async () => {
    const pod = (await w.core.listNamespacedPod({ namespace: w.namespace, labelSelector: 'name=front-end' })).items[0].metadata!.name!;
    const discovery = w.kc.makeApiClient(k8s.DiscoveryV1Api);
    // The EndpointSlice controller fills the slice shortly after the pod is ready.
    const deadline = Date.now() + 30_000;
    let lines: string[] = [];
    while (Date.now() < deadline) {
      const slices = await discovery.listNamespacedEndpointSlice({ namespace: w.namespace });
      if (slices.items.some((s) => (s.endpoints ?? []).some((e) => e.targetRef?.name === pod))) {
        lines = await podKillImpact(w.kc, w.namespace, pod);
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.deepEqual(lines, [
      '⚠ Killing 1 of 1 ready front-end endpoint leaves no endpoint behind the Service: requests to front-end fail until a replacement is ready.',
      'Service front-end: 1 → 0 ready endpoints.',
    ]);
  });
});
