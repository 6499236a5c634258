// The Sock Shop objects built from manifests/sock-shop/ for both profiles.
import { strict as assert } from 'node:assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { referenceFile } from '../lab/paths.ts';
import {
  buildSockShop,
  defaultManifestDir,
  namespaceObject,
  podDisruptionBudget,
  type KubeObject,
} from '../../src/core/sockshop/manifests';
import { deployEvents, deployResultText, planSockShop } from '../../src/core/sockshop/deploy';

const SERVICES = [
  'carts', 'carts-db', 'catalogue', 'catalogue-db', 'front-end', 'orders', 'orders-db',
  'payment', 'queue-master', 'rabbitmq', 'session-db', 'shipping', 'user', 'user-db',
];

type Container = { name: string; image: string; ports?: { containerPort: number }[]; resources?: { requests?: Record<string, string>; limits?: Record<string, string> }; readinessProbe?: { httpGet?: { path: string; port: number }; tcpSocket?: { port: number } }; securityContext?: unknown };
const containers = (d: KubeObject) => (d.spec as { template: { spec: { containers: Container[] } } }).template.spec.containers;
const spec = (o: KubeObject) => o.spec as Record<string, any>;
const of = (objects: KubeObject[], kind: string) => objects.filter((o) => o.kind === kind);
const named = (objects: KubeObject[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name)!;

describe('Sock Shop manifests', () => {
  const def = buildSockShop({ namespace: 'sock-shop', profile: 'default' });
  const chaos = buildSockShop({ namespace: 'shop-2', profile: 'chaos-ready' });

  it('has the 14 Deployments and 14 Services of complete-demo.yaml, all apps/v1 / v1', () => {
    for (const objects of [def, chaos]) {
      assert.deepEqual(of(objects, 'Deployment').map((d) => d.metadata.name).sort(), SERVICES);
      assert.deepEqual(of(objects, 'Service').map((d) => d.metadata.name).sort(), SERVICES);
      for (const d of of(objects, 'Deployment')) assert.equal(d.apiVersion, 'apps/v1', d.metadata.name);
      for (const s of of(objects, 'Service')) assert.equal(s.apiVersion, 'v1');
    }
  });

  it('keeps the images, ports and env of the original, with mongo pinned to 4.4 for carts-db and orders-db', () => {
    // The original manifest ships in test/lab/reference; a missing file fails here (referenceFile throws).
    const ref = referenceFile('sock-shop-complete-demo.yaml');
    const original = parseAllDocuments(readFileSync(ref, 'utf8')).map((d) => d.toJS()).filter((o) => o?.kind === 'Deployment');
    assert.equal(original.length, 14, 'the original manifest has 14 Deployments');
    const expectedImages: Record<string, string> = {
      carts: 'weaveworksdemos/carts:0.4.8', 'carts-db': 'mongo:4.4', catalogue: 'weaveworksdemos/catalogue:0.3.5',
      'catalogue-db': 'weaveworksdemos/catalogue-db:0.3.0', 'front-end': 'weaveworksdemos/front-end:0.3.12',
      orders: 'weaveworksdemos/orders:0.4.7', 'orders-db': 'mongo:4.4', payment: 'weaveworksdemos/payment:0.4.3',
      'queue-master': 'weaveworksdemos/queue-master:0.3.1', rabbitmq: 'rabbitmq:3.6.8-management',
      'session-db': 'redis:7-alpine', shipping: 'weaveworksdemos/shipping:0.4.8', user: 'weaveworksdemos/user:0.4.7',
      'user-db': 'weaveworksdemos/user-db:0.3.0',
    };
    for (const d of of(def, 'Deployment')) {
      assert.equal(containers(d)[0].image, expectedImages[d.metadata.name], d.metadata.name);
      const orig = original.find((o) => o.metadata.name === d.metadata.name);
      assert.ok(orig, `${d.metadata.name} is in the original manifest`);
      const oc = orig.spec.template.spec.containers;
      assert.deepEqual(
        containers(d).map((c) => (c.ports ?? []).map((p) => p.containerPort)),
        oc.map((c: Container) => (c.ports ?? []).map((p) => p.containerPort)),
        `${d.metadata.name} ports`,
      );
      assert.deepEqual(
        (containers(d)[0] as any).env ?? [],
        oc[0].env ?? [],
        `${d.metadata.name} env`,
      );
      if (!/^mongo$|^redis:/.test(oc[0].image)) assert.equal(containers(d)[0].image, oc[0].image);
    }
  });

  it('selectors match the pod template labels; every object carries the app.kubernetes.io labels', () => {
    for (const objects of [def, chaos]) {
      for (const o of objects) {
        const l = o.metadata.labels!;
        assert.equal(l['app.kubernetes.io/part-of'], 'sock-shop', o.metadata.name);
        assert.equal(l['app.kubernetes.io/managed-by'], 'sock-shop-lab');
        assert.equal(l['app.kubernetes.io/name'], o.metadata.name);
        assert.ok(l['app.kubernetes.io/component'], `${o.kind} ${o.metadata.name} component`);
        assert.equal(o.metadata.namespace, objects === def ? 'sock-shop' : 'shop-2');
      }
      for (const d of of(objects, 'Deployment')) {
        const sel = spec(d).selector.matchLabels;
        const tmpl = spec(d).template.metadata.labels;
        assert.ok(Object.keys(sel).length > 0);
        for (const [k, v] of Object.entries(sel)) assert.equal(tmpl[k], v, `${d.metadata.name} selector ${k}`);
        assert.equal(tmpl['app.kubernetes.io/part-of'], 'sock-shop');
        // Each Service selects exactly its Deployment's pods.
        const svc = named(objects, 'Service', d.metadata.name);
        for (const [k, v] of Object.entries(spec(svc).selector)) assert.equal(tmpl[k], v);
      }
    }
  });

  it('sets requests and limits on every container, readiness probes on /health for the services that have it', () => {
    const health = ['carts', 'catalogue', 'orders', 'payment', 'queue-master', 'shipping', 'user'];
    for (const d of of(def, 'Deployment')) {
      for (const c of containers(d)) {
        assert.ok(c.resources?.requests?.cpu && c.resources.requests.memory, `${c.name} requests`);
        assert.ok(c.resources?.limits?.cpu && c.resources.limits.memory, `${c.name} limits`);
      }
      const probe = containers(d)[0].readinessProbe;
      assert.ok(probe, `${d.metadata.name} readiness`);
      if (health.includes(d.metadata.name)) assert.deepEqual(probe.httpGet, { path: '/health', port: 80 });
    }
    assert.deepEqual(containers(named(def, 'Deployment', 'front-end'))[0].readinessProbe!.httpGet, { path: '/', port: 8079 });
  });

  it('keeps the original securityContexts (capabilities, non-root user 10001, read-only root)', () => {
    const sc = (name: string) => containers(named(def, 'Deployment', name))[0].securityContext as any;
    assert.deepEqual(sc('carts'), { runAsNonRoot: true, runAsUser: 10001, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] }, readOnlyRootFilesystem: true });
    assert.deepEqual(sc('front-end').capabilities, { drop: ['ALL'] });
    assert.deepEqual(sc('carts-db').capabilities.add, ['CHOWN', 'SETGID', 'SETUID']);
    assert.deepEqual(sc('rabbitmq').capabilities.add, ['CHOWN', 'SETGID', 'SETUID', 'DAC_OVERRIDE']);
    assert.equal(sc('catalogue-db'), undefined);
  });

  it('default profile: one replica each, four front-ends, a LoadBalancer front-end, no PDBs', () => {
    for (const d of of(def, 'Deployment')) assert.equal(spec(d).replicas, d.metadata.name === 'front-end' ? 4 : 1, d.metadata.name);
    assert.equal(spec(named(def, 'Service', 'front-end')).type, 'LoadBalancer');
    assert.equal(spec(named(def, 'Service', 'front-end')).ports[0].nodePort, undefined);
    assert.equal(of(def, 'PodDisruptionBudget').length, 0);
    assert.equal(def.length, 28);
  });

  it('chaos-ready profile: stateless services at least 2 replicas, each with a PDB; databases stay at 1', () => {
    const stateless = ['carts', 'catalogue', 'front-end', 'orders', 'payment', 'queue-master', 'shipping', 'user'];
    for (const d of of(chaos, 'Deployment')) {
      const r = spec(d).replicas;
      if (stateless.includes(d.metadata.name)) assert.ok(r >= 2, `${d.metadata.name} ${r}`);
      else assert.equal(r, 1, d.metadata.name);
    }
    const pdbs = of(chaos, 'PodDisruptionBudget');
    assert.deepEqual(pdbs.map((p) => p.metadata.name).sort(), stateless);
    for (const p of pdbs) {
      assert.equal(p.apiVersion, 'policy/v1');
      assert.deepEqual(spec(p).selector.matchLabels, spec(named(chaos, 'Deployment', p.metadata.name)).selector.matchLabels);
    }
    assert.equal(spec(named(chaos, 'Deployment', 'front-end')).replicas, 4);
  });

  it('chaos-ready profile: the front-end sleeps 5 s in preStop; the default profile has no preStop', () => {
    const fe = spec(named(chaos, 'Deployment', 'front-end')).template.spec.containers[0];
    assert.deepEqual(fe.lifecycle.preStop, { exec: { command: ['sh', '-c', 'sleep 5'] } });
    assert.ok(fe.readinessProbe?.httpGet, 'the front-end keeps its readiness probe');
    for (const d of of(def, 'Deployment')) {
      for (const c of spec(d).template.spec.containers) assert.equal(c.lifecycle?.preStop, undefined, d.metadata.name);
    }
    for (const d of of(chaos, 'Deployment')) {
      if (d.metadata.name === 'front-end') continue;
      for (const c of spec(d).template.spec.containers) assert.equal(c.lifecycle?.preStop, undefined, d.metadata.name);
    }
  });

  it('options: NodePort front-end on 30001, replica count', () => {
    const objs = buildSockShop({ namespace: 'x', profile: 'default', frontEndServiceType: 'NodePort', frontEndReplicas: 2 });
    const svc = spec(named(objs, 'Service', 'front-end'));
    assert.equal(svc.type, 'NodePort');
    assert.equal(svc.ports[0].nodePort, 30001);
    assert.equal(spec(named(objs, 'Deployment', 'front-end')).replicas, 2);
  });

  it('plans a deploy once: the namespace, then every other object at once; the count and the Deployments come from that one list', () => {
    const plan = planSockShop({ namespace: 'sock-shop', profile: 'default' });
    assert.equal(plan.groups.length, 2);
    assert.deepEqual(plan.groups[0].map((o) => `${o.kind}/${o.metadata.name}`), ['Namespace/sock-shop']);
    assert.deepEqual(plan.groups[1], def, 'the second group is exactly what buildSockShop gives, in its order');
    assert.equal(plan.total, def.length + 1);
    assert.deepEqual([...plan.deployments].sort(), SERVICES);
    const chaosPlan = planSockShop({ namespace: 'shop-2', profile: 'chaos-ready' });
    assert.equal(chaosPlan.total, chaos.length + 1, 'the chaos-ready profile adds its PodDisruptionBudgets to the count');
  });

  it('the deploy events carry the texts the UI shows: n/N against the plan, stall reasons, the headline', () => {
    const ev = deployEvents({ total: 3 });
    const outcome = { apiVersion: 'v1', kind: 'Service', name: 'carts', namespace: 'sock-shop', status: 'created' as const };
    const a1 = ev.applied(outcome);
    const a2 = ev.applied({ ...outcome, name: 'user', status: 'unchanged' as const });
    assert.equal(a1.type === 'applied' && a1.message, 'applied 1/3: Service sock-shop/carts');
    assert.equal(a2.type === 'applied' && a2.applied, 2);
    assert.match(a2.type === 'applied' ? a2.logLine : '', /^ {2}.*user.*unchanged/);
    const st = ev.stalled(['front-end: 0/1 ready (readiness probe failing)', 'carts: 0/1 ready'], 12_400);
    assert.equal(st.message, 'still waiting (12 s without change): front-end: 0/1 ready (readiness probe failing)');
    assert.equal(st.type === 'stalled' && st.logLine, 'Deploy: nothing moved for 12 s:\n  front-end: 0/1 ready (readiness probe failing)\n  carts: 0/1 ready');
    const deployments = [{ name: 'carts', desired: 1, ready: 1, available: 1, updated: 1, done: true }];
    const changed = deployResultText({ namespace: 'sock-shop', outcomes: [outcome], changed: true, appliedMs: 700, availableMs: 1500, deployments });
    assert.equal(changed.headline, 'Sock Shop is deployed to sock-shop: all 1 deployments are available.');
    assert.match(changed.logLine, /^Deploy: 1 created; applied in 700 ms, all available after 1500 ms$/);
    const same = deployResultText({ namespace: 'sock-shop', outcomes: [{ ...outcome, status: 'unchanged' }], changed: false, appliedMs: 300, availableMs: 350, deployments });
    assert.equal(same.headline, 'Sock Shop in sock-shop: no changes; all 1 deployments are available.');
    const unwaited = deployResultText({ namespace: 'sock-shop', outcomes: [outcome], changed: true, appliedMs: 700 });
    assert.equal(unwaited.logLine, 'Deploy: 1 created; applied in 700 ms, rollout not waited for');
    assert.equal(unwaited.headline, 'Sock Shop is applied to sock-shop; its rollout was not waited for.');
  });

  it('does not change the files it reads and rejects bad namespace names', () => {
    const again = buildSockShop({ namespace: 'sock-shop', profile: 'default' });
    assert.deepEqual(again, def);
    assert.throws(() => buildSockShop({ namespace: 'Sock_Shop', profile: 'default' }), /not a valid namespace name/);
    assert.ok(defaultManifestDir().endsWith(join('manifests', 'sock-shop')));
    assert.equal(podDisruptionBudget(named(def, 'Deployment', 'carts')).kind, 'PodDisruptionBudget');
  });
});
