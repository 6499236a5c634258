// Load engine pieces without sockets: planning shares, input parsing, bounds, reports, Locust stats mapping,
// the worker resolver and the in-cluster manifests.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildClusterManifests, buildLocustfile, LOCUST_IMAGE } from '../../src/core/load/cluster';
import { planShares, resolveWorkerScript, splitEven, validateSpec } from '../../src/core/load/engine';
import { applyBounds, checkNumber, normalizeTarget, parseBetween, parseCookies, parseDecimal, parseHeaders } from '../../src/core/load/inputs';
import { mapLocustStats } from '../../src/core/load/locust-stats';
import { loadRunShortfall, reportMarkdown, saveReport } from '../../src/core/load/report';
import type { LoadReport, LoadSpec } from '../../src/core/load/types';

const base: LoadSpec = { target: { url: 'http://127.0.0.1:8080/' }, model: { kind: 'closed', requests: 1000, concurrency: 5 }, maxRequests: 100_000, maxDurationSeconds: 600 };

describe('load engine: planning and inputs', () => {
  it('splits requests and connections over threads exactly', () => {
    assert.deepEqual(splitEven(10, 3), [4, 3, 3]);
    const shares = planShares({ ...base, model: { kind: 'closed', requests: 1001, concurrency: 50 } }, 3, 'r');
    assert.deepEqual(shares.map((s) => s.units), [17, 17, 16]);
    assert.equal(shares.reduce((a, s) => a + s.maxRequests, 0), 1001);
    // The request bound caps -n.
    const capped = planShares({ ...base, maxRequests: 77, model: { kind: 'closed', requests: 1000, concurrency: 4 } }, 2, 'r');
    assert.equal(capped.reduce((a, s) => a + s.maxRequests, 0), 77);
    // Never more threads than connections or requests.
    assert.equal(planShares({ ...base, model: { kind: 'closed', requests: 1, concurrency: 5 } }, 4, 'r').length, 1);
    const users = planShares({ ...base, model: { kind: 'users', users: 500, spawnRate: 10, waitSeconds: [5, 15], flow: 'index' } }, 2, 'r');
    assert.deepEqual(users.map((s) => s.units), [250, 250]);
    assert.deepEqual(users.map((s) => s.spawnRate), [5, 5]);
    const open = planShares({ ...base, model: { kind: 'open', rate: 1000, maxConnections: 100 } }, 2, 'r');
    assert.equal(open.reduce((a, s) => a + s.units, 0), 1000);
    assert.equal(open.reduce((a, s) => a + (s.model as { maxConnections: number }).maxConnections, 0), 100);
  });

  it('rejects specs that cannot run', () => {
    assert.throws(() => validateSpec({ ...base, target: { url: 'https://shop.example/' } }), /plain HTTP/);
    assert.throws(() => validateSpec({ ...base, model: { kind: 'closed', requests: 0, concurrency: 5 } }), /number of requests/);
    assert.throws(() => validateSpec({ ...base, model: { kind: 'users', users: 5, spawnRate: 1, waitSeconds: [3, 1], flow: 'index' } }), /between/);
    assert.doesNotThrow(() => validateSpec(base));
  });

  it('parses cookies, headers, waits and targets', () => {
    assert.deepEqual(parseCookies('somecookie=rawr'), ['somecookie=rawr']);
    assert.deepEqual(parseCookies('a=1; b=2'), ['a=1', 'b=2']);
    assert.deepEqual(parseCookies(''), []);
    assert.throws(() => parseCookies('nocookie'), /not a cookie/);
    assert.deepEqual(parseHeaders('X-A: 1, X-B: two, three'), { 'X-A': '1', 'X-B': 'two, three' });
    assert.deepEqual(parseBetween('5,15'), [5, 15]);
    assert.deepEqual(parseBetween('between(0.2, 0.4)'), [0.2, 0.4]);
    assert.throws(() => parseBetween('15,5'), /wait range/);
    assert.equal(normalizeTarget('203.0.113.7'), 'http://203.0.113.7/');
    assert.throws(() => normalizeTarget('https://x'), /http:\/\//);
    assert.equal(checkNumber('0', { min: 1 }), 'Enter at least 1.');
    assert.equal(checkNumber('2.5', { integer: true }), 'Enter a whole number.');
    assert.equal(checkNumber('700', { max: 600 }), 'At most 600 (settings bound).');
    assert.equal(checkNumber('60', { max: 600 }), undefined);
  });

  it('takes only plain decimal digits as numbers: no exponent, hex, octal, binary or Infinity', () => {
    for (const text of ['1e1', '0x10', '0o7', '0b11', 'Infinity', '', ' ', '1_000', '10abc']) {
      assert.equal(checkNumber(text, { integer: true }), 'Enter a whole number (digits only, e.g. 10).', text);
      assert.equal(parseDecimal(text, { integer: true }), undefined, text);
      assert.match(checkNumber(text)!, /decimal digits/, text);
    }
    assert.equal(checkNumber('10', { integer: true }), undefined);
    assert.equal(checkNumber(' 16 ', { integer: true }), undefined);
    assert.equal(parseDecimal(' 16 ', { integer: true }), 16);
    assert.equal(checkNumber('2.5'), undefined);
    assert.equal(checkNumber('.5'), undefined);
    assert.equal(parseDecimal('.5'), 0.5);
    assert.equal(checkNumber('2.', { integer: true }), 'Enter a whole number.');
  });

  it('never lets a run exceed the settings bounds', () => {
    const s = applyBounds({ ...base, maxRequests: 1e9, maxDurationSeconds: 1e6 }, { maxRequests: 100_000, maxDurationSeconds: 600 });
    assert.equal(s.maxRequests, 100_000);
    assert.equal(s.maxDurationSeconds, 600);
  });

  it('finds the worker as TypeScript source here, and the bundled file when one sits beside the code', () => {
    const src = resolveWorkerScript(join(import.meta.dirname, '../../src/core/load'));
    assert.equal(src.options.eval, true);
    assert.match(src.filename, /worker\.ts/);
    const dir = mkdtempSync(join(tmpdir(), 'dist-'));
    try {
      writeFileSync(join(dir, 'load-worker.js'), '');
      const bundled = resolveWorkerScript(dir);
      assert.equal(bundled.filename, join(dir, 'load-worker.js'));
      assert.notEqual(bundled.options.eval, true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('load engine: reports', () => {
  const report: LoadReport = {
    spec: { ...base, target: { url: 'http://127.0.0.1:8080/', headers: { Authorization: 'Basic c2VjcmV0', 'X-Run': 'a' } } },
    startedAt: '2026-01-02T03:04:05.000Z',
    endedAt: '2026-01-02T03:04:15.000Z',
    durationSeconds: 10,
    endReason: 'completed',
    requests: 1000,
    successes: 990,
    failures: 10,
    failPercent: 1,
    rps: 100,
    bytesReceived: 123,
    latencyMs: { min: 1, mean: 2, p50: 2, p90: 3, p95: 4, p99: 9, p999: 12, max: 15 },
    statuses: { '200': 995, '500': 5 },
    failuresByCause: { 'HTTP 500': 5, ECONNRESET: 5 },
    endpoints: [{ name: 'GET /', requests: 1000, failures: 10, p50Ms: 2, p95Ms: 4, p99Ms: 9, maxMs: 15, meanMs: 2 }],
    timeline: [],
  };

  it('a run counts for the walkthrough only when the target answered: not when every request failed', () => {
    assert.equal(loadRunShortfall(report), undefined);
    const refused = { ...report, successes: 0, failures: 1000, failPercent: 100, statuses: {}, failuresByCause: { ECONNREFUSED: 1000 } };
    assert.equal(loadRunShortfall(refused), 'every request failed (ECONNREFUSED × 1000)');
    assert.equal(loadRunShortfall({ ...report, successes: 300, failPercent: 70, failuresByCause: { timeout: 600, 'HTTP 503': 100 } }), '70% of the requests failed (timeout × 600, HTTP 503 × 100)');
    assert.equal(loadRunShortfall({ ...report, requests: 0, successes: 0 }), 'no request was sent');
    // "Responses by status" says why it is empty instead of an empty table.
    const md = reportMarkdown({ ...refused, timeline: [] });
    assert.match(md, /## Responses by status\n\nNo response: all 1000 requests failed before an HTTP status \(see Failures by cause\)\./);
    assert.doesNotMatch(md, /\| Status \| Count \|/);
  });

  it('writes Markdown and JSON to .sockshop/reports without credentials', async () => {
    const md = reportMarkdown(report);
    assert.match(md, /\| Requests \| 1000 \(990 succeeded, 10 failed, 1%\) \|/);
    assert.match(md, /\| 500 \| 5 \|/);
    assert.match(md, /\| ECONNRESET \| 5 \|/);
    const dir = mkdtempSync(join(tmpdir(), 'ws-'));
    try {
      const saved = await saveReport(dir, report);
      assert.ok(saved.markdown.startsWith(join(dir, '.sockshop', 'reports')));
      assert.ok(existsSync(saved.markdown));
      const json = readFileSync(saved.json, 'utf8');
      assert.equal(JSON.parse(json).requests, 1000);
      assert.ok(!json.includes('c2VjcmV0'), 'the Authorization value is redacted');
      // Any header may carry a secret (X-Api-Key, X-Run tokens...): only a few plain ones keep their values.
      assert.match(json, /"X-Run": "<redacted>"/);
      assert.ok(!readFileSync(saved.markdown, 'utf8').includes('c2VjcmV0'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Locust stats mapping', () => {
  it('maps a /stats/requests document (shape recorded from Locust 2.12)', () => {
    const doc = {
      current_response_time_percentile_50: 1,
      current_response_time_percentile_95: 4,
      errors: [],
      fail_ratio: 0.25,
      state: 'running',
      stats: [
        { avg_content_length: 6, avg_response_time: 1.84, current_fail_per_sec: 7, current_rps: 28, max_response_time: 13, median_response_time: 1, method: 'GET', min_response_time: 0, name: '/', ninetieth_response_time: 3, ninety_ninth_response_time: 7, num_failures: 43, num_requests: 174, safe_name: '/' },
        { avg_content_length: 6, avg_response_time: 1.84, current_fail_per_sec: 7, current_rps: 28, max_response_time: 13, median_response_time: 1, method: '', min_response_time: 0, name: 'Aggregated', ninetieth_response_time: 3, ninety_ninth_response_time: 7, num_failures: 43, num_requests: 174, safe_name: 'Aggregated' },
      ],
      total_rps: 28,
      user_count: 5,
    };
    const s = mapLocustStats(doc, 1000, 6000);
    assert.equal(s.elapsedSeconds, 5);
    assert.equal(s.rps, 28);
    assert.equal(s.failPercent, 25);
    assert.equal(s.p50Ms, 1);
    assert.equal(s.p95Ms, 4);
    assert.equal(s.p99Ms, 7);
    assert.equal(s.activeUsers, 5);
    assert.equal(s.totalRequests, 174);
    assert.equal(s.totalFailures, 43);
    assert.equal(s.state, 'running');
    assert.deepEqual(s.endpoints?.map((e) => e.name), ['GET /']);
  });

  it("keeps Locust's error table as failures by cause", () => {
    const s = mapLocustStats(
      {
        state: 'running',
        stats: [],
        errors: [
          { method: 'GET', name: '/', error: "ConnectionRefusedError(111, 'Connection refused')", occurrences: 12 },
          { method: 'GET', name: '/catalogue', error: "HTTPError('500 Server Error: Internal Server Error for url: /catalogue')", occurrences: 3 },
          { method: 'GET', name: '/', error: "ConnectionRefusedError(111, 'Connection refused')", occurrences: 1 },
        ],
      },
      0,
      0,
    );
    assert.deepEqual(s.failuresByCause, {
      "GET /: ConnectionRefusedError(111, 'Connection refused')": 13,
      "GET /catalogue: HTTPError('500 Server Error: Internal Server Error for url: /catalogue')": 3,
    });
  });

  it('uses the cumulative failure ratio when no current rate is given', () => {
    const s = mapLocustStats({ state: 'stopped', fail_ratio: 0.1, total_rps: 0, stats: [] }, 0, 0);
    assert.equal(s.failPercent, 10);
    assert.equal(s.totalRequests, 0);
  });
});

describe('Locust in the cluster: manifests', () => {
  const o = { namespace: 'sock-shop', host: 'http://front-end.sock-shop', workers: 3, users: 500, spawnRate: 10, waitSeconds: [5, 15] as [number, number], flow: 'index' as const, durationSeconds: 60 };

  it('builds a master, N workers, a service and the locustfile ConfigMap', () => {
    const m = buildClusterManifests(o);
    assert.equal(m.workers.spec?.replicas, 3);
    assert.equal(m.master.spec?.replicas, 1);
    const master = m.master.spec!.template.spec!.containers[0];
    assert.equal(master.image, LOCUST_IMAGE);
    assert.deepEqual(master.args, ['-f', '/mnt/locust/locustfile.py', '--master', '--host', 'http://front-end.sock-shop', '--web-port', '8089']);
    assert.deepEqual(m.masterService.spec?.selector, m.master.spec?.selector?.matchLabels);
    assert.equal(m.configMap.data?.['locustfile.py'], buildLocustfile(o));
    assert.match(buildLocustfile(o), /wait_time = between\(5, 15\)/);
    assert.match(buildLocustfile(o), /self\.client\.get\("\/"\)/);
    for (const d of [m.master, m.workers]) {
      assert.equal(d.metadata?.namespace, 'sock-shop');
      assert.equal(d.spec?.template.spec?.containers[0].securityContext?.allowPrivilegeEscalation, false);
    }
    assert.throws(() => buildClusterManifests({ ...o, workers: 0 }), /workers/);
  });

  it('the shopper locustfile keeps orders under the payment limit and uses own accounts', () => {
    const py = buildLocustfile({ flow: 'sockshop', waitSeconds: [5, 15] });
    assert.match(py, /LIMIT = 100/);
    assert.match(py, /uuid\.uuid4\(\)/);
    assert.match(py, /self\.client\.post\("\/register"/);
    assert.match(py, /auth=\(self\.username, self\.password\)/);
  });
});
