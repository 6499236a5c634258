// The Locust stats client against a real Locust master (Debian python3-locust) on loopback, driving a local
// Node server with a tiny locustfile.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpLocustGetter, pollLocust } from '../../src/core/load/locust-stats';
import { buildLocustfile, httpMasterTransport, runSwarm } from '../../src/core/load/cluster';
import type { LiveStats } from '../../src/core/load/types';
import { freePort, httpReady, startDaemon, stopPid, waitFor } from '../lab/proc';

describe('Locust stats client against a real Locust master', function () {
  this.timeout(90_000);
  let pid: number | undefined;
  const pids: number[] = [];
  let server: http.Server | undefined;
  let dir: string | undefined;
  let served = { ok: 0, failed: 0 };

  afterEach(async () => {
    await stopPid(pid);
    pid = undefined;
    for (const p of pids.splice(0)) await stopPid(p);
    server?.closeAllConnections();
    server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('maps /stats/requests of a running and then stopped Locust into live stats', async () => {
    served = { ok: 0, failed: 0 };
    server = http.createServer((req, res) => {
      // Every fourth request fails with a 500, so the failure share is known (25 %).
      if ((served.ok + served.failed + 1) % 4 === 0) {
        served.failed++;
        res.statusCode = 500;
      } else served.ok++;
      res.end('ok');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'locust-'));
    const locustfile = join(dir, 'locustfile.py');
    // The same generator the cluster run uses for its ConfigMap: the workshop's index task, short waits.
    writeFileSync(locustfile, buildLocustfile({ flow: 'index', waitSeconds: [0.05, 0.1] }));
    const webPort = await freePort();
    const log = join(dir, 'locust.log');
    pid = startDaemon(
      '/usr/bin/locust',
      // Locust's current rate covers whole seconds from 2 to 12 s back, so the run lasts long enough to show it.
      ['-f', locustfile, '--host', target, '--web-host', '127.0.0.1', '--web-port', String(webPort), '--autostart', '-u', '5', '-r', '5', '-t', '10s'],
      { logFile: log, cwd: dir },
    );
    const base = `http://127.0.0.1:${webPort}`;
    await waitFor('Locust web UI', () => httpReady(`${base}/stats/requests`), 30_000, log);

    const samples: LiveStats[] = [];
    const poller = pollLocust({ get: httpLocustGetter(base), onStats: (s) => samples.push(s), intervalMs: 500 });
    const last = await Promise.race([poller.ended, new Promise<undefined>((r) => setTimeout(r, 40_000))]);
    poller.stop();

    assert.ok(last, 'Locust reported the run stopped');
    assert.equal(last.state, 'stopped');
    const running = samples.filter((s) => s.state === 'running');
    assert.ok(running.length >= 3, `${running.length} running samples`);
    assert.ok(running.some((s) => s.activeUsers === 5), 'five users reported');
    assert.ok(running.some((s) => s.rps > 0), `a positive request rate (${samples.map((s) => `${s.state}:${s.rps}:${s.totalRequests}`).join(' ')})`);
    // Locust's totals are what the server saw, less the requests in flight at the stop (at most one per user:
    // the server answered them, Locust stopped before counting them).
    const seen = served.ok + served.failed;
    assert.ok(last.totalRequests <= seen && last.totalRequests >= seen - 5, `Locust ${last.totalRequests} vs server ${seen}`);
    // The same holds for failures: a failed request in flight at the stop is the server's, not yet Locust's.
    assert.ok(last.totalFailures <= served.failed && last.totalFailures >= served.failed - 5, `Locust ${last.totalFailures} failures vs server ${served.failed}`);
    const busy = running.filter((s) => s.rps > 0);
    const meanFail = busy.reduce((a, s) => a + s.failPercent, 0) / busy.length;
    assert.ok(meanFail > 10 && meanFail < 40, `failure share about 25 % (${meanFail.toFixed(1)} %)`);
    const ep = last.endpoints?.find((e) => e.name === 'GET /');
    assert.ok(ep, 'per-endpoint stats for GET /');
    assert.equal(ep.requests, last.totalRequests);
    assert.ok(ep.p50Ms >= 0 && ep.p99Ms >= ep.p50Ms);
  });

  it('runs a distributed swarm (master + 2 workers) the way the cluster run does, and streams its stats', async () => {
    let count = 0;
    server = http.createServer((_req, res) => {
      count++;
      res.end('ok');
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const target = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    dir = mkdtempSync(join(tmpdir(), 'locust-'));
    const locustfile = join(dir, 'locustfile.py');
    // Debian's python3-locust 2.12.1 has an empty __version__, so its master rejects its own workers as
    // "old (pre 2.0)"; the official image (used in the cluster) does not. Give both sides a version here.
    const debianVersionFix = 'import locust.runners\nlocust.runners.__version__ = locust.runners.__version__ or "2.12.1"\n';
    writeFileSync(locustfile, debianVersionFix + buildLocustfile({ flow: 'index', waitSeconds: [0.05, 0.1] }));
    const [webPort, masterPort] = [await freePort(), await freePort()];
    const log = join(dir, 'master.log');
    // No --autostart: like in the cluster, the swarm starts through the web API once the workers are in.
    pid = startDaemon(
      '/usr/bin/locust',
      ['-f', locustfile, '--master', '--host', target, '--web-host', '127.0.0.1', '--web-port', String(webPort), '--master-bind-host', '127.0.0.1', '--master-bind-port', String(masterPort)],
      { logFile: log, cwd: dir },
    );
    for (let k = 0; k < 2; k++) {
      pids.push(startDaemon('/usr/bin/locust', ['-f', locustfile, '--worker', '--master-host', '127.0.0.1', '--master-port', String(masterPort)], { logFile: join(dir, `worker${k}.log`), cwd: dir }));
    }
    const phases: string[] = [];
    const samples: LiveStats[] = [];
    const timeline = await runSwarm(
      httpMasterTransport(`http://127.0.0.1:${webPort}`),
      { workers: 2, users: 6, spawnRate: 6, host: target, durationSeconds: 5 },
      { onPhase: (m) => phases.push(m), onStats: (s) => samples.push(s), readyTimeoutMs: 60_000 },
    );
    assert.ok(phases.some((p) => /Swarming 6 users at 6\/s on 2 worker/.test(p)), phases.join(' | '));
    assert.equal(timeline.length, samples.length);
    const running = samples.filter((s) => s.state === 'running');
    assert.ok(running.length >= 2, `${running.length} running samples`);
    assert.ok(running.some((s) => s.activeUsers === 6));
    const last = samples[samples.length - 1];
    assert.equal(last.state, 'stopped');
    // Workers report to the master in batches; after the stop the totals match the server's count.
    assert.ok(last.totalRequests > 20);
    // Locust never reports more than the server saw; a worker's last batch can miss the master at the stop
    // (Locust's own behaviour), so the total may fall short of the server's count, but not by half.
    assert.ok(last.totalRequests <= count + 2 && last.totalRequests >= count / 2, `Locust ${last.totalRequests} vs server ${count}`);
    assert.equal(last.totalFailures, 0);
  });
});
