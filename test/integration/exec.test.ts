// Exec into a lab pod through the API server (kwok's Exec runs the command in the pod's working directory).
import { strict as assert } from 'node:assert';
import { execOnce } from '../../src/core/kube/exec';
import { frontEndNamespace } from './stand-in.ts';

describe('exec on the lab', function () {
  this.timeout(90_000);

  const w = frontEndNamespace('exec-it', 1);

  it('runs echo in the pod and returns its output and exit code; a failing command gives its code', async () => {
    const pod = (await w.core.listNamespacedPod({ namespace: w.namespace, labelSelector: 'name=front-end' })).items[0].metadata!.name!;
    const ok = await execOnce(w.kc, { namespace: w.namespace, pod, container: 'front-end', command: ['sh', '-c', 'echo hello from the pod'] });
    assert.equal(ok.code, 0);
    assert.match(ok.output, /hello from the pod/);
    const bad = await execOnce(w.kc, { namespace: w.namespace, pod, container: 'front-end', command: ['sh', '-c', 'exit 3'] });
    assert.equal(bad.code, 3, `the exec status: ${JSON.stringify(bad.status)}; output: ${bad.output}`);
  });
});
