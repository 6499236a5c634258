// Profiling aid: runs the closed model in this thread. node --import tsx test/bench/load-inproc.ts URL N C
import { ClosedRunner } from '../../src/core/load/runner';
import { Recorder } from '../../src/core/load/stats';

const rec = new Recorder();
const url = process.argv[2];
const n = Number(process.argv[3] ?? 200000);
const c = Number(process.argv[4] ?? 50);
const r = new ClosedRunner({ index: 0, target: { url }, model: { kind: 'closed', requests: n, concurrency: c }, maxRequests: n, units: c, maxDurationMs: 30000, runId: 'x' }, rec);
const t0 = performance.now();
const cpu0 = process.cpuUsage();
r.start();
let done = 0;
setInterval(() => { const d = rec.take(); done += d.requests; console.log('rps', d.requests); }, 1000).unref();
r.finished.then((reason) => {
  const t = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  done += rec.take().requests;
  const cpuS = (cpu.user + cpu.system) / 1e6;
  console.log(reason, done, 'requests in', t.toFixed(2), 's =', Math.round(done / t), 'req/s; cpu', cpuS.toFixed(2), 's =', ((1e6 * cpuS) / done).toFixed(2), 'us/request');
});
