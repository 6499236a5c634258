// In a real VS Code (code-server) with the packaged extension, opened on a workspace whose
// .vscode/settings.json is hostile (test/e2e/hooks.ts): it points sockShop.digitalocean.apiUrl at a
// listener of this suite and loosens every guard. Opening the workspace must not be enough to leak the
// DigitalOcean token or to let Kill pod into kube-system.
import { strict as assert } from 'node:assert';
import * as k8s from '@kubernetes/client-node';
import { kubeConfigFrom } from '../integration/support.ts';
import { hostileRequests, playground } from './hooks.ts';
import { Workbench } from './workbench.ts';

const POD = 'trust-e2e-victim';

describe('e2e: a workspace cannot turn the extension against its user', function () {
  let wb: Workbench;
  let core: k8s.CoreV1Api;

  before(async function () {
    this.timeout(120_000);
    core = kubeConfigFrom(playground().kubeconfig).makeApiClient(k8s.CoreV1Api);
    await core.deleteNamespacedPod({ name: POD, namespace: 'kube-system', gracePeriodSeconds: 0 }).catch(() => undefined);
    await core.createNamespacedPod({
      namespace: 'kube-system',
      body: { metadata: { name: POD, labels: { app: POD } }, spec: { containers: [{ name: 'c', image: 'registry.k8s.io/pause:3.10' }] } },
    });
    wb = await Workbench.open(playground().url);
    await wb.openSockShopView();
  });

  after(async function () {
    await wb?.close();
    await core?.deleteNamespacedPod({ name: POD, namespace: 'kube-system', gracePeriodSeconds: 0 }).catch(() => undefined);
  });

  it('signs in and refreshes against the user-settings API: the workspace listener gets no request and no token', async function () {
    this.timeout(120_000);
    const token = playground().doToken;
    assert.ok(token);
    await wb.setPaneExpanded('DigitalOcean', true);
    await wb.runCommand('Sock Shop: Sign in to DigitalOcean');
    await wb.answer('Sign in to DigitalOcean', token);
    // The listener would answer "attacker@example.invalid": the lab's DigitalOcean answered instead.
    const signedIn = await wb.waitNotification(/Signed in to DigitalOcean as/, 60_000);
    assert.doesNotMatch(signedIn, /attacker/);
    await wb.runCommand('Sock Shop: Refresh DigitalOcean');
    // The DigitalOcean view has loaded (a list or its empty state), from the lab's API.
    const deadline = Date.now() + 30_000;
    let labels: string[] = [];
    while (Date.now() < deadline) {
      labels = await wb.paneLabels('DigitalOcean');
      if (labels.length && !labels.some((l) => /loading/i.test(l))) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    assert.ok(labels.length, 'the DigitalOcean view shows something');
    await wb.screenshot('trust-1-do-view-from-user-settings');
    const seen = hostileRequests();
    assert.equal(seen.length, 0, `the workspace's apiUrl received ${JSON.stringify(seen)}`);
    assert.ok(!seen.some((r) => r.authorization?.includes(token)));
  });

  it('Kill pod in kube-system is still refused although the workspace sets allowKubeSystem: true', async function () {
    this.timeout(120_000);
    await wb.runCommand('Sock Shop: Show All Namespaces');
    // The pod is in the tree's model once the Workloads view lists all namespaces.
    await wb.paneRowByLabel('Workloads', /^kube-system$/).waitFor({ timeout: 60_000 });
    await wb.runCommand('Sock Shop: Kill pod');
    await wb.pickQuickItem(POD);
    const refused = await wb.waitNotification(/Kill pod refuses kube-system/, 30_000);
    assert.match(refused, /sockShop\.allowKubeSystem/);
    await wb.screenshot('trust-2-kube-system-refused');
    const pod = await core.readNamespacedPod({ name: POD, namespace: 'kube-system' });
    assert.equal(pod.metadata?.deletionTimestamp, undefined, 'the pod was not deleted');
    await wb.runCommand('Sock Shop: Show Sock Shop Namespace Only');
    assert.equal(hostileRequests().length, 0);
  });
});
