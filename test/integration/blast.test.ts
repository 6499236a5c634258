// The blast-radius preview on the lab: the real EndpointSlice controller's view of a Service, read before a kill.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { podKillImpact } from '../../src/core/kube/blast';
import { labInfo } from './hooks.ts';
import { createFrontEnd, waitFrontEndSettled } from './stand-in.ts';

const NS = `blast-it-${randomBytes(3).toString('hex')}`;

describe('blast radius on the lab', function () {
  this.timeout(90_000);
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  before(async () => {
    kc = new k8s.KubeConfig();
    kc.loadFromFile(labInfo().kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await createFrontEnd(kc, NS, 1);
    await core.createNamespacedService({ namespace: NS, body: { metadata: { name: 'front-end' }, spec: { type: 'ClusterIP', selector: { name: 'front-end' }, ports: [{ port: 80, targetPort: 8079 }] } } });
    await waitFrontEndSettled(kc, NS, 1);
  });

  after(async () => {
    await core?.deleteNamespace({ name: NS }).catch(() => undefined);
  });

  it('killing the only front-end pod is said to leave the front-end Service with no endpoint', async () => {
    const pod = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'name=front-end' })).items[0].metadata!.name!;
    const discovery = kc.makeApiClient(k8s.DiscoveryV1Api);
    // The EndpointSlice controller fills the slice shortly after the pod is ready.
    const deadline = Date.now() + 30_000;
    let lines: string[] = [];
    while (Date.now() < deadline) {
      const slices = await discovery.listNamespacedEndpointSlice({ namespace: NS });
      if (slices.items.some((s) => (s.endpoints ?? []).some((e) => e.targetRef?.name === pod))) {
        lines = await podKillImpact(kc, NS, pod);
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
