// Every panel of the six kube-prometheus-stack dashboards in test/lab/reference: parsed, every target's
// PromQL expanded with no `$` left, and every panel built into what the panel shows, with Grafana's
// units. Prometheus answers are generated here from each query's own `by (...)` labels (pure functions
// under test; the real Prometheus is exercised by the integration suite).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { referenceDir } from '../lab/paths.ts';
import {
  applyVariableRegex,
  DashboardError,
  escapeRegex,
  findUnexpanded,
  interpolate,
  parseDashboard,
  parseDuration,
  parseVariableQuery,
  thresholdColor,
  variableOrder,
  type ParsedDashboard,
} from '../../src/core/observability/dashboards';
import { buildPanel, divideVectors, joinByField, normalizePromQL, sentQueries, splitDivision, planRefresh, seriesName, visiblePanels, type QueryOutcome, type TableData, type TimeseriesData, type StatData } from '../../src/core/observability/engine';
import { formatValue } from '../../src/common/units';

const DIR = join(referenceDir(), 'grafana-dashboards');
const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
const raw = (f: string) => JSON.parse(readFileSync(join(DIR, f), 'utf8'));

const VALUES = {
  datasource: 'prometheus',
  cluster: '',
  namespace: 'sock-shop',
  pod: 'carts-5d8f9b7c6-abcde',
  node: ['kwok-node-0', 'kwok-node-1'],
  type: '$__all',
  workload: 'carts',
};
const WINDOW = { rangeMs: 3_600_000, nowMs: Date.UTC(2026, 10, 25, 12, 0, 0) };
const PODS = ['carts-5d8f9b7c6-abcde', 'orders-7c9d8f6b5-xyz12'];

/** The grouping labels of the outermost aggregation, e.g. `sum(...) by (pod)` → ['pod']. */
function groupLabels(expr: string): string[] {
  const all = [...expr.matchAll(/\bby\s*\(([^)]*)\)/g)];
  const last = all[all.length - 1];
  return last ? last[1].split(',').map((s) => s.trim()).filter(Boolean) : [];
}

function fakeOutcomes(dash: ParsedDashboard, value: number): Map<string, QueryOutcome> {
  const plan = planRefresh(dash, visiblePanels(dash), VALUES, WINDOW);
  const out = new Map<string, QueryOutcome>();
  for (const q of plan.queries) {
    const labels = q.expr.trimStart().startsWith('scalar(') ? [] : groupLabels(q.expr);
    const metrics = labels.length ? PODS.map((p, i) => Object.fromEntries(labels.map((l) => [l, l === 'pod' ? p : `${l}-${i}`]))) : [{}];
    if (q.kind === 'instant') {
      out.set(q.key, { ok: true, data: { resultType: 'vector', result: metrics.map((m) => ({ metric: m, value: [q.time!, String(value)] })) } });
    } else {
      const pts: [number, string][] = [];
      for (let t = q.start!; t <= q.end!; t += q.step!) pts.push([t, String(value)]);
      out.set(q.key, { ok: true, data: { resultType: 'matrix', result: metrics.map((m) => ({ metric: m, values: pts })) } });
    }
  }
  return out;
}

describe('observability: reference dashboards', () => {
  it('has the six dashboards', () => {
    assert.equal(files.length, 6);
  });

  for (const f of files) {
    describe(f, () => {
      const json = raw(f);
      const dash = parseDashboard(json);

      it('parses every panel (none skipped) with its title, type and targets', () => {
        assert.equal(dash.skipped.length, 0, JSON.stringify(dash.skipped));
        assert.equal(dash.panels.length, json.panels.length);
        for (const [i, p] of dash.panels.entries()) {
          assert.equal(p.title, json.panels[i].title);
          assert.equal(p.type, json.panels[i].type);
          assert.equal(p.targets.length, json.panels[i].targets.length, p.title);
          assert.equal(p.unit, json.panels[i].fieldConfig?.defaults?.unit, p.title);
        }
        assert.equal(dash.uid, json.uid);
      });

      it('expands every target with no template variable left', () => {
        const plan = planRefresh(dash, dash.panels, VALUES, WINDOW);
        for (const p of dash.panels) {
          for (const use of plan.uses.get(p.id)!) {
            assert.equal(use.error, undefined, `${p.title} ${use.refId}: ${use.error}`);
            const q = plan.queries.find((x) => x.key === use.key)!;
            assert.deepEqual(findUnexpanded(q.expr), [], `${p.title} ${use.refId}: ${q.expr}`);
            assert.ok(!q.expr.includes('$'), q.expr);
            if (/\$namespace/.test(p.targets.find((t) => t.refId === use.refId)!.expr)) assert.match(q.expr, /namespace="sock-shop"/);
            // $__rate_interval = max($__interval + scrape, 4 × scrape): 75s under the panels' 1m minimum, 1m otherwise.
            if (/\$__rate_interval/.test(p.targets.find((t) => t.refId === use.refId)!.expr)) assert.match(q.expr, p.minInterval === '1m' ? /\[75s\]/ : /\[1m\]/);
            if (q.kind === 'range') assert.equal(q.step, 60, 'panel interval 1m is the step');
          }
        }
        assert.ok(plan.queries.length <= plan.targetCount);
      });

      it('builds every panel with Grafana units', () => {
        const value = 1536;
        const outcomes = fakeOutcomes(dash, value);
        const plan = planRefresh(dash, visiblePanels(dash), VALUES, WINDOW);
        for (const p of dash.panels) {
          const o = buildPanel(p, plan.uses.get(p.id)!, outcomes);
          assert.equal(o.error, undefined, `${p.title}: ${o.error}`);
          const rp = json.panels.find((x: { id: number }) => x.id === p.id);
          const defUnit: string | undefined = rp.fieldConfig?.defaults?.unit;
          if (p.type === 'timeseries') {
            const d = o.data as TimeseriesData;
            assert.ok(d.series.length > 0, p.title);
            assert.equal(d.timestamps.length, 61, `${p.title}: 1h at a 60 s step`);
            for (const s of d.series) {
              assert.equal(s.unit, defUnit, `${p.title} / ${s.name}`);
              assert.equal(s.last, formatValue(value, defUnit));
              assert.equal(s.values.length, d.timestamps.length);
            }
            // {{pod}} legends and __auto on `by (pod)` both name a series after its pod.
            if (p.targets.some((t) => groupLabels(t.expr).join() === 'pod' && ['__auto', '{{pod}}'].includes(t.legendFormat ?? ''))) assert.ok(d.series.some((s) => s.name === PODS[0]), `${p.title}: ${d.series.map((s) => s.name)}`);
          } else if (p.type === 'stat') {
            const d = o.data as StatData;
            assert.ok(d.values.length >= 1);
            for (const v of d.values) assert.equal(v.text, formatValue(value, defUnit));
          } else {
            const d = o.data as TableData;
            const org = rp.transformations.find((t: { id: string }) => t.id === 'organize').options;
            // With indexByName: that order; without: the join's order (key field, then each target's value).
            const refIds = p.targets.map((t) => t.refId);
            const expected = org.indexByName
              ? Object.entries(org.indexByName as Record<string, number>)
                  .filter(([n]) => !org.excludeByName?.[n])
                  .sort((a, b) => a[1] - b[1])
                  .map(([n]) => org.renameByName?.[n] || n)
              : ['pod', ...refIds.map((r) => `Value #${r}`)].map((n) => org.renameByName?.[n] || n);
            assert.deepEqual(d.columns.map((c) => c.name), expected, p.title);
            assert.equal(d.rows.length, PODS.length);
            for (const [ci, c] of d.columns.entries()) {
              if (d.rows[0][ci] === null || typeof d.rows[0][ci] !== 'number') continue;
              let unit = defUnit;
              for (const ov of rp.fieldConfig?.overrides ?? []) {
                const unitProp = ov.properties.find((x: { id: string }) => x.id === 'unit');
                if (!unitProp) continue;
                const m = ov.matcher.id === 'byRegexp' ? new RegExp(ov.matcher.options.slice(1, -1)).test(c.name) : ov.matcher.options === c.name;
                if (m) unit = unitProp.value;
              }
              assert.equal(c.unit, unit, `${p.title} / ${c.name}`);
              assert.equal(d.text[0][ci], formatValue(value, unit), `${p.title} / ${c.name}`);
            }
          }
        }
      });
    });
  }

  it('the namespace dashboard reads like Grafana for sock-shop', () => {
    const dash = parseDashboard(raw('k8s-resources-namespace.json'));
    const outcomes = fakeOutcomes(dash, 0.25);
    const plan = planRefresh(dash, visiblePanels(dash), VALUES, WINDOW);
    const quota = dash.panels.find((p) => p.title === 'CPU Quota')!;
    const t = buildPanel(quota, plan.uses.get(quota.id)!, outcomes).data as TableData;
    assert.deepEqual(t.columns.map((c) => c.name), ['Pod', 'CPU Usage', 'CPU Requests', 'CPU Requests %', 'CPU Limits', 'CPU Limits %']);
    assert.deepEqual(t.text[0], [PODS[0], '0.25', '0.25', '25%', '0.25', '25%']);
    const mem = dash.panels.find((p) => p.title === 'Memory Usage (w/o cache)')!;
    const expr = plan.queries.find((q) => q.key === plan.uses.get(mem.id)![0].key)!.expr;
    assert.equal(expr, 'sum(max by (cluster, namespace, pod, container)(container_memory_working_set_bytes{job="kubelet", metrics_path="/metrics/cadvisor", cluster="", namespace="sock-shop", container!="", image!=""})) by (pod)');
    // Batching: the "%" columns (A / B of two columns already queried) are divided here, not sent.
    assert.equal(plan.targetCount, 43);
    assert.equal(sentQueries(plan), 39);
    const derived = plan.queries.filter((q) => q.divide);
    assert.equal(derived.length, 4);
    for (const q of derived) for (const k of q.divide!) assert.ok(plan.queries.some((x) => x.key === k && !x.divide));
  });
});

describe('observability: template expansion', () => {
  const ctx = (values: Record<string, string | string[]>, vars: ParsedDashboard['variables'] = []) => ({ values, variables: vars, rangeMs: 900_000, intervalMs: 60_000 });
  it('expands $var, ${var}, ${var:fmt}, [[var]] and built-ins', () => {
    const c = ctx({ namespace: 'sock-shop' });
    assert.equal(interpolate('a{ns="$namespace"} b{ns="${namespace}"} c{ns="[[namespace]]"}', c), 'a{ns="sock-shop"} b{ns="sock-shop"} c{ns="sock-shop"}');
    assert.equal(interpolate('rate(x[$__rate_interval]) [$__interval] [$__range] $__range_s $__interval_ms', c), 'rate(x[75s]) [1m] [15m] 900 60000');
    assert.equal(interpolate('x{a="$unknown"}', c), 'x{a="$unknown"}');
    assert.deepEqual(findUnexpanded(interpolate('x{a="$unknown"}', c)), ['$unknown']);
  });
  it('multi-value and All values become regex alternatives, escaped', () => {
    const vars = [{ name: 'node', type: 'query', multi: true, includeAll: true, options: ['n1', 'n.2'], hide: 0 }];
    assert.equal(interpolate('x{node=~"$node"}', ctx({ node: ['n1', 'n.2'] }, vars)), 'x{node=~"(n1|n\\\\.2)"}');
    assert.equal(interpolate('x{node=~"$node"}', ctx({ node: '$__all' }, vars)), 'x{node=~"(n1|n\\\\.2)"}');
    assert.equal(interpolate('x{node=~"${node:csv}"}', ctx({ node: ['a', 'b'] }, vars)), 'x{node=~"a,b"}');
    assert.equal(interpolate('x{node=~"$node"}', ctx({ node: '$__all' }, [{ ...vars[0], allValue: '.*' }])), 'x{node=~".*"}');
    assert.equal(escapeRegex('a.b'), 'a\\\\.b');
  });
  it('parses variable queries and orders variables by dependency', () => {
    assert.deepEqual(parseVariableQuery('label_values(kube_pod_info{namespace="$namespace", a=~"x,y"}, pod)'), { kind: 'label_values', match: 'kube_pod_info{namespace="$namespace", a=~"x,y"}', label: 'pod' });
    assert.deepEqual(parseVariableQuery('label_values(job)'), { kind: 'label_values', label: 'job' });
    assert.deepEqual(parseVariableQuery('query_result(up)'), { kind: 'query_result', expr: 'up' });
    const dash = parseDashboard(raw('k8s-resources-pod.json'));
    const order = variableOrder([...dash.variables].reverse()).map((v) => v.name);
    assert.ok(order.indexOf('cluster') < order.indexOf('namespace') && order.indexOf('namespace') < order.indexOf('pod'), order.join());
    assert.deepEqual(applyVariableRegex(['a-1', 'b-2', 'c'], '/(\\w)-\\d/'), ['a', 'b']);
  });
  it('durations and thresholds', () => {
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('bogus'), undefined);
    const steps = [{ value: null, color: 'green' }, { value: 0.25, color: 'red' }];
    assert.equal(thresholdColor(steps, 0.1), 'green');
    assert.equal(thresholdColor(steps, 0.3), 'red');
  });
  it('legends follow legendFormat and Grafana auto naming', () => {
    assert.equal(seriesName({ pod: 'p1', container: 'c' }, '{{pod}}', 'e'), 'p1');
    assert.equal(seriesName({ workload: 'carts', workload_type: 'deployment' }, '{{workload}} - {{workload_type}}', 'e'), 'carts - deployment');
    assert.equal(seriesName({ pod: 'p1' }, '__auto', 'e'), 'p1');
    assert.equal(seriesName({}, '__auto', 'sum(x)'), 'sum(x)');
    assert.equal(seriesName({ a: '1', b: '2' }, undefined, 'e'), '{a="1", b="2"}');
  });
});

describe('observability: malformed dashboards', () => {
  it('rejects what is not a dashboard with a DashboardError', () => {
    assert.throws(() => parseDashboard('{not json'), DashboardError);
    assert.throws(() => parseDashboard([]), DashboardError);
    assert.throws(() => parseDashboard({ title: 'x' }), /has no panels/);
  });
  it('names the panels it skips and renders the rest, including rows', () => {
    const dash = parseDashboard({
      uid: 'u',
      title: 'Broken',
      panels: [
        { id: 1, type: 'timeseries', title: 'Good', targets: [{ expr: 'up', refId: 'A' }] },
        { id: 2, type: 'piechart', title: 'Pie', targets: [{ expr: 'up' }] },
        { id: 3, type: 'stat', title: 'No targets' },
        { type: 'stat', title: 'No id', targets: [{ expr: 'up' }] },
        'garbage',
        { id: 4, type: 'table', title: 'Odd transform', targets: [{ expr: 'up', format: 'table' }], transformations: [{ id: 'calculateField' }] },
        { id: 10, type: 'row', title: 'Collapsed', collapsed: true, panels: [{ id: 11, type: 'gauge', title: 'Inner', targets: [{ expr: 'up' }] }] },
        { id: 20, type: 'row', title: 'Open', collapsed: false },
        { id: 21, type: 'stat', title: 'After open row', targets: [{ expr: 'up' }], fieldConfig: { defaults: { unit: 'furlongs' } } },
        { id: 22, type: 'timeseries', title: 'Loki', datasource: { type: 'loki' }, targets: [{ expr: '{app="x"}' }] },
      ],
    });
    assert.deepEqual(dash.panels.map((p) => p.title), ['Good', 'Odd transform', 'Inner', 'After open row']);
    assert.deepEqual(dash.skipped.map((s) => `${s.title}: ${s.reason}`), [
      'Pie: panel type "piechart" is not rendered',
      'No targets: the panel has no Prometheus targets (expr)',
      'No id: the panel has no numeric id',
      '(not an object): the panel entry is not a JSON object',
      'Loki: datasource type "loki" is not Prometheus',
    ]);
    assert.deepEqual(dash.panels.find((p) => p.id === 4)!.notes, ['transformation "calculateField" is not applied']);
    assert.deepEqual(dash.panels.find((p) => p.id === 21)!.notes, ['unit "furlongs" shown as a plain number']);
    assert.deepEqual(dash.rows, [
      { id: 10, title: 'Collapsed', collapsed: true, panelIds: [11] },
      { id: 20, title: 'Open', collapsed: false, panelIds: [21] },
    ]);
    // Collapsed rows are not queried.
    assert.deepEqual(visiblePanels(dash).map((p) => p.id), [1, 4, 21]);
  });
  it('a failing query fails only its panel', () => {
    const dash = parseDashboard({ panels: [
      { id: 1, type: 'stat', title: 'A', targets: [{ expr: 'up', instant: true }] },
      { id: 2, type: 'stat', title: 'B', targets: [{ expr: 'down', instant: true }] },
    ] });
    const plan = planRefresh(dash, dash.panels, {}, WINDOW);
    const out = new Map<string, QueryOutcome>();
    out.set(plan.uses.get(1)![0].key!, { ok: true, data: { resultType: 'vector', result: [{ metric: {}, value: [1, '1'] }] } });
    out.set(plan.uses.get(2)![0].key!, { ok: false, error: 'Prometheus is unreachable' });
    assert.equal((buildPanel(dash.panels[0], plan.uses.get(1)!, out).data as StatData).values[0].text, '1');
    assert.equal(buildPanel(dash.panels[1], plan.uses.get(2)!, out).error, 'Prometheus is unreachable');
  });
  it('joinByField outer keeps rows missing from some frames', () => {
    const j = joinByField(
      [
        { refId: 'A', fields: [{ name: 'pod', values: ['a', 'b'] }, { name: 'Value #A', values: [1, 2] }] },
        { refId: 'B', fields: [{ name: 'pod', values: ['b', 'c'] }, { name: 'Value #B', values: [3, 4] }] },
      ],
      'pod',
      'outer',
    );
    assert.deepEqual(j.fields.map((f) => [f.name, f.values]), [['pod', ['a', 'b', 'c']], ['Value #A', [1, 2, null]], ['Value #B', [null, 3, 4]]]);
  });
});

describe('observability: query batching', () => {
  it('normalizes whitespace outside strings only', () => {
    assert.equal(normalizePromQL('sum(x{a="1 2",  b="c"}) by (pod)\n'), 'sum(x{a="1 2",b="c"})by(pod)');
    assert.equal(normalizePromQL('a unless  b'), 'a unless b');
  });
  it('splits only a single top-level division without modifiers', () => {
    assert.deepEqual(splitDivision('sum(a/b)by(pod)/sum(c)by(pod)'), ['sum(a/b)by(pod)', 'sum(c)by(pod)']);
    assert.equal(splitDivision('a/on(pod)b'), undefined);
    assert.equal(splitDivision('a/b/c'), undefined);
    assert.equal(splitDivision('a*b'), undefined);
  });
  it('divides vectors one-to-one like PromQL', () => {
    const a = { resultType: 'vector' as const, result: [{ metric: { pod: 'x' }, value: [1, '1'] as [number, string] }, { metric: { pod: 'y' }, value: [1, '3'] as [number, string] }, { metric: { pod: 'z' }, value: [1, '1'] as [number, string] }] };
    const b = { resultType: 'vector' as const, result: [{ metric: { pod: 'x' }, value: [1, '4'] as [number, string] }, { metric: { pod: 'y' }, value: [1, '0'] as [number, string] }] };
    assert.deepEqual((divideVectors(a, b).result as { metric: Record<string, string>; value: [number, string] }[]).map((s) => [s.metric.pod, s.value[1]]), [['x', '0.25'], ['y', '+Inf']]);
  });
});

describe('observability: unit formatting', () => {
  const cases: [number, string | undefined, string][] = [
    [1536, 'bytes', '1.5 KiB'],
    [268435456, 'bytes', '256 MiB'],
    [0.253, 'percentunit', '25.3%'],
    [0.05, 'percentunit', '5%'],
    [42, 'percent', '42%'],
    [1234, 'Bps', '1.23 kB/s'],
    [12, 'pps', '12 p/s'],
    [1200, 'pps', '1.2 kp/s'],
    [2.5, 'reqps', '2.5 req/s'],
    [3_400_000, 'bps', '3.4 Mb/s'],
    [7, 'iops', '7 io/s'],
    [0.25, 's', '250 ms'],
    [90, 's', '1.5 min'],
    [0.0123, undefined, '0.0123'],
    [0.123, 'short', '0.123'],
    [15300, 'short', '15.3 K'],
    [0.25, 'cores', '250m'],
    [null as unknown as number, 'bytes', '-'],
  ];
  for (const [v, unit, text] of cases) it(`${v} ${unit ?? '(none)'} → ${text}`, () => assert.equal(formatValue(v, unit), text));
});
