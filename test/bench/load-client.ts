// Our engine as a command-line client for the benchmark (same shape as the other tools: one process, a URL,
// -c connections for -d seconds). Prints one JSON line with throughput, latency and the CPU it used.
//   node --import tsx test/bench/load-client.ts URL CONCURRENCY SECONDS [THREADS]
import { startLoad } from '../../src/core/load/engine';

const [url, c, d, t] = process.argv.slice(2);
const cpu0 = process.cpuUsage();
const run = startLoad({
  target: { url, keepAlive: true },
  model: { kind: 'closed', requests: 1e9, concurrency: Number(c) },
  maxRequests: 1e9,
  maxDurationSeconds: Number(d),
  threads: Number(t ?? 1),
});
void run.done.then((r) => {
  const cpu = process.cpuUsage(cpu0);
  console.log(
  JSON.stringify({
    requests: r.requests,
    failures: r.failures,
    seconds: r.durationSeconds,
    rps: r.rps,
    p50Ms: r.latencyMs.p50,
    p99Ms: r.latencyMs.p99,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
  }),
  );
});
