// Exec into a lab pod through the API server (kwok's Exec runs the command in the pod's working directory).
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { execOnce } from '../../src/core/kube/exec';
import { labInfo } from './hooks.ts';
import { createFrontEnd, waitFrontEndSettled } from './stand-in.ts';

const NS = `exec-it-${randomBytes(3).toString('hex')}`;

describe('exec on the lab', function () {
  this.timeout(90_000);
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;

  before(async () => {
    kc = new k8s.KubeConfig();
    kc.loadFromFile(labInfo().kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    await createFrontEnd(kc, NS, 1);
    await waitFrontEndSettled(kc, NS, 1);
  });

  after(async () => {
    await core?.deleteNamespace({ name: NS }).catch(() => undefined);
  });

  it('runs echo in the pod and returns its output and exit code; a failing command gives its code', async () => {
    const pod = (await core.listNamespacedPod({ namespace: NS, labelSelector: 'name=front-end' })).items[0].metadata!.name!;
    const ok = await execOnce(kc, { namespace: NS, pod, container: 'front-end', command: ['sh', '-c', 'echo hello from the pod'] });
    assert.equal(ok.code, 0);
    assert.match(ok.output, /hello from the pod/);
    const bad = await execOnce(kc, { namespace: NS, pod, container: 'front-end', command: ['sh', '-c', 'exit 3'] });
    assert.equal(bad.code, 3, `the exec status: ${JSON.stringify(bad.status)}; output: ${bad.output}`);
  });
});
