// kube-monkey on the lab's real apiserver, controllers and RBAC authorizer (kwok plays the nodes): labels applied
// and rolled out, the install manifests through a server dry run and for real, and what kube-monkey's
// ServiceAccount may do, asked of the apiserver with SubjectAccessReviews. Nothing Kubernetes-side is mocked.
import { strict as assert } from 'node:assert';
import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { applyKubeMonkeyLabels, followKubeMonkeyLogs, installKubeMonkey, labelAndRoll, serviceAccountCan } from '../../src/core/chaos/kube';
import { DEFAULT_CONFIG, deploymentLabels, installObjects, templateLabels, type KubeMonkeyLabels } from '../../src/core/chaos/kubemonkey';
import { defaultManifestDir, loadManifestFiles } from '../../src/core/sockshop/manifests';
import { labInfo } from './hooks.ts';

const suffix = randomBytes(3).toString('hex');
const TARGET_NS = `km-target-${suffix}`;
const MONKEY_NS = `km-${suffix}`;

const kmOnly = (labels: Record<string, string> | undefined) =>
  Object.fromEntries(Object.entries(labels ?? {}).filter(([k]) => k.startsWith('kube-monkey/')));

describe('kube-monkey on the lab', function () {
  let kc: k8s.KubeConfig;
  let core: k8s.CoreV1Api;
  let apps: k8s.AppsV1Api;

  before(async () => {
    kc = new k8s.KubeConfig();
    kc.loadFromFile(labInfo().kubeconfig);
    core = kc.makeApiClient(k8s.CoreV1Api);
    apps = kc.makeApiClient(k8s.AppsV1Api);
    await core.createNamespace({ body: { metadata: { name: TARGET_NS } } });
    await apps.createNamespacedDeployment({
      namespace: TARGET_NS,
      body: {
        metadata: { name: 'web', labels: { name: 'web' } },
        spec: {
          replicas: 2,
          selector: { matchLabels: { name: 'web' } },
          template: { metadata: { labels: { name: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } },
        },
      },
    });
  });

  after(async () => {
    for (const name of [TARGET_NS, MONKEY_NS]) await core?.deleteNamespace({ name }).catch(() => undefined);
  });

  it('Apply kube-monkey Labels: the Deployment and pod template carry exactly the contract, and the pods roll', async () => {
    const labels: KubeMonkeyLabels = { identifier: 'web', mtbf: 2, killMode: 'fixed', killValue: 1 };
    const before = await apps.readNamespacedDeployment({ name: 'web', namespace: TARGET_NS });
    const progress: string[] = [];
    const final = await labelAndRoll(kc, TARGET_NS, [{ name: 'web', labels }], { timeoutMs: 90_000, onProgress: (p) => progress.push(JSON.stringify(p)) });
    assert.ok(final.every((p) => p.done && p.available === 2), JSON.stringify(final));
    const d = await apps.readNamespacedDeployment({ name: 'web', namespace: TARGET_NS });
    assert.deepEqual(kmOnly(d.metadata?.labels), {
      'kube-monkey/enabled': 'enabled',
      'kube-monkey/identifier': 'web',
      'kube-monkey/mtbf': '2',
      'kube-monkey/kill-mode': 'fixed',
      'kube-monkey/kill-value': '1',
    });
    assert.deepEqual(kmOnly(d.metadata?.labels), deploymentLabels(labels));
    assert.deepEqual(kmOnly(d.spec?.template?.metadata?.labels), { 'kube-monkey/enabled': 'enabled', 'kube-monkey/identifier': 'web' });
    assert.deepEqual(kmOnly(d.spec?.template?.metadata?.labels), templateLabels(labels));
    // Other labels and the selector are untouched.
    assert.equal(d.metadata?.labels?.name, 'web');
    assert.deepEqual(d.spec?.selector?.matchLabels, { name: 'web' });
    // The template changed, so the pods rolled: a new generation, and the live pods carry the identifier.
    assert.ok((d.metadata?.generation ?? 0) > (before.metadata?.generation ?? 0));
    assert.ok(progress.length >= 1);
    const pods = (await core.listNamespacedPod({ namespace: TARGET_NS, labelSelector: 'kube-monkey/identifier=web' })).items.filter((p) => !p.metadata?.deletionTimestamp);
    assert.equal(pods.length, 2, 'kube-monkey finds the pods by kube-monkey/identifier');
  });

  it('switching to kill-all removes kill-value (exactly the contract again)', async () => {
    const d = await applyKubeMonkeyLabels(kc, TARGET_NS, 'web', { identifier: 'web', mtbf: 1, killMode: 'kill-all' });
    assert.deepEqual(kmOnly(d.metadata?.labels), {
      'kube-monkey/enabled': 'enabled',
      'kube-monkey/identifier': 'web',
      'kube-monkey/mtbf': '1',
      'kube-monkey/kill-mode': 'kill-all',
    });
  });

  it('refuses bad label input before any request (kill-value over 100 in a percent mode)', async () => {
    await assert.rejects(applyKubeMonkeyLabels(kc, TARGET_NS, 'web', { identifier: 'web', mtbf: 1, killMode: 'fixed-percent', killValue: 150 }), /at most 100/);
  });

  const objects = () =>
    installObjects(loadManifestFiles(defaultManifestDir('kube-monkey')), {
      namespace: MONKEY_NS,
      config: { ...DEFAULT_CONFIG, whitelistedNamespaces: [TARGET_NS], dryRun: false, debug: { enabled: true, scheduleImmediateKill: true, scheduleDelaySeconds: 30 } },
    });

  it('the install manifests pass a server dry run (dryRun=All) and persist nothing', async () => {
    const objs = objects();
    assert.deepEqual(objs.map((o) => o.kind), ['Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap', 'Deployment']);
    // Dry-run admission needs the namespaces to exist: create kube-monkey's (the target exists already).
    await core.createNamespace({ body: { metadata: { name: MONKEY_NS } } });
    const outcomes = await installKubeMonkey(kc, objs, { dryRun: true });
    assert.deepEqual(outcomes.filter((o) => o.status === 'failed'), []);
    assert.equal(outcomes.length, 6);
    const cms = await core.listNamespacedConfigMap({ namespace: MONKEY_NS });
    assert.ok(!cms.items.some((c) => c.metadata?.name === 'kube-monkey-config-map'), 'dry run persisted nothing');
  });

  it("a SubjectAccessReview shows kube-monkey's ServiceAccount can list/delete pods in the target namespace and nothing cluster-admin could", async () => {
    const outcomes = await installKubeMonkey(kc, objects());
    assert.deepEqual(outcomes.filter((o) => o.status === 'failed'), []);
    const cm = await core.readNamespacedConfigMap({ name: 'kube-monkey-config-map', namespace: MONKEY_NS });
    assert.match(cm.data?.['config.toml'] ?? '', /dry_run = false/);
    assert.match(cm.data?.['config.toml'] ?? '', /time_zone = "Asia\/Singapore"/);
    const sa = { namespace: MONKEY_NS, name: 'kube-monkey' };
    const can = async (verb: string, resource: string, namespace?: string, group = '') => (await serviceAccountCan(kc, sa, { verb, resource, namespace, group })).allowed;
    const allowed: [string, string, string?, string?][] = [
      ['list', 'pods', TARGET_NS],
      ['delete', 'pods', TARGET_NS],
      ['get', 'deployments', TARGET_NS, 'apps'],
      ['list', 'deployments', TARGET_NS, 'apps'],
      ['list', 'statefulsets', TARGET_NS, 'apps'],
      ['list', 'daemonsets', TARGET_NS, 'apps'],
    ];
    for (const [verb, resource, ns, group] of allowed) assert.equal(await can(verb, resource, ns, group), true, `${verb} ${resource} in ${ns}`);
    const denied: [string, string, string?, string?][] = [
      ['get', 'secrets', TARGET_NS],
      ['list', 'secrets', TARGET_NS],
      ['delete', 'deployments', TARGET_NS, 'apps'],
      ['patch', 'deployments', TARGET_NS, 'apps'],
      ['create', 'pods', TARGET_NS],
      ['delete', 'pods', 'kube-system'],
      ['list', 'pods', 'kube-system'],
      ['get', 'secrets', 'kube-system'],
      ['delete', 'namespaces', undefined],
      ['create', 'clusterrolebindings', undefined, 'rbac.authorization.k8s.io'],
      ['*', '*', undefined, '*'],
    ];
    for (const [verb, resource, ns, group] of denied) assert.equal(await can(verb, resource, ns, group), false, `${verb} ${resource} in ${ns ?? 'the cluster'} must be denied`);
    // The same questions for a cluster-admin subject come back allowed: the authorizer really answers.
    const admin = kc.makeApiClient(k8s.AuthorizationV1Api);
    const r = await admin.createSubjectAccessReview({
      body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec: { user: 'someone', groups: ['system:masters'], resourceAttributes: { verb: 'get', resource: 'secrets', namespace: TARGET_NS } } },
    });
    assert.equal(r.status?.allowed, true);
  });

  it("following kube-monkey's logs on the lab (pods run no containers) reports that instead of failing, and stops cleanly", async () => {
    // Installed by the test above; the lab's kwok pods have no container runtime, so the log endpoint has nothing.
    const lines: string[] = [];
    const f = followKubeMonkeyLogs(kc, MONKEY_NS, (l) => lines.push(l), { retryMs: 500 });
    await new Promise((r) => setTimeout(r, 2500));
    f.stop();
    assert.equal(await Promise.race([f.done, new Promise((r) => setTimeout(() => r('still running'), 3000))]), 'stopped');
    assert.ok(lines.length >= 1, 'says something');
    assert.ok(lines.every((l) => /^\[(pod kube-monkey-|no kube-monkey pod)/.test(l)), lines.join('\n'));
  });
});
