// Load-generator benchmark, side by side in one run against the same local server on the same machine:
// our engine, autocannon, wrk, ab -k, Locust FastHttpUser and Locust HttpUser, each at -c 50 keep-alive
// for a bounded time. Also the latency our engine adds at p50 (vs wrk, both at -c 1) and CPU per 1,000
// requests (user + system CPU of each tool's whole process, read with the shell's `times`).
//   node --import tsx test/bench/load.ts [--seconds 10] [--rounds 1] [--json out.json]
// Server: Debian nginx (one worker, 127.0.0.1, tiny static response) pinned to CPU 0, clients pinned to
// CPU 1 with taskset when the machine has two or more CPUs; a minimal Node server when nginx is missing.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { freePort, stopPid, startDaemon, waitFor, httpReady } from '../lab/proc';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const SECONDS = Number(opt('seconds', '10'));
const ROUNDS = Number(opt('rounds', '1'));
const CONC = 50;
const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'load-bench-'));
const pin = availableParallelism() >= 2 && existsSync('/usr/bin/taskset');
const clientCpu = pin ? ['taskset', '-c', '1'] : [];

interface Result {
  tool: string;
  rps: number;
  requests: number;
  p50Ms?: number;
  cpuSeconds: number;
  cpuMsPer1000: number;
  load: number;
  note?: string;
}

/** Runs a command through bash, returning its stdout and the CPU (user + sys) of the command's processes. */
function timed(cmd: string[], timeoutMs: number): { out: string; cpu: number } {
  const quoted = cmd.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('bash', ['-c', `${quoted} 2>&1; times`], { encoding: 'utf8', timeout: timeoutMs, cwd: work, maxBuffer: 64 << 20 });
  const out = r.stdout ?? '';
  const lines = out.trimEnd().split('\n');
  // `times` prints the shell's own line, then its children's: "0m1.117s 0m0.666s".
  const child = lines[lines.length - 1];
  const secs = [...child.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60 + Number(m[2]));
  return { out: lines.slice(0, -2).join('\n'), cpu: secs.reduce((a, b) => a + b, 0) };
}

async function startServer(): Promise<{ url: string; kind: string; stop: () => Promise<void> }> {
  const port = await freePort();
  if (existsSync('/usr/sbin/nginx')) {
    const conf = join(work, 'nginx.conf');
    writeFileSync(
      conf,
      `worker_processes 1;
daemon off;
pid ${work}/nginx.pid;
error_log ${work}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 10000000;
  keepalive_timeout 65;
  client_body_temp_path ${work}; proxy_temp_path ${work}; fastcgi_temp_path ${work}; uwsgi_temp_path ${work}; scgi_temp_path ${work};
  server { listen 127.0.0.1:${port}; location / { default_type text/plain; return 200 "hello\\n"; } }
}
`,
    );
    const cmd = pin ? ['/usr/bin/taskset', '-c', '0', '/usr/sbin/nginx'] : ['/usr/sbin/nginx'];
    const pid = startDaemon(cmd[0], [...cmd.slice(1), '-c', conf, '-p', work], { logFile: join(work, 'nginx.log') });
    const url = `http://127.0.0.1:${port}/`;
    await waitFor('nginx', () => httpReady(url), 10_000, join(work, 'nginx.log'));
    return { url, kind: `nginx 1.22 (one worker${pin ? ', CPU 0' : ''})`, stop: () => stopPid(pid) };
  }
  const server = http.createServer((_req, res) => res.end('hello\n'));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}/`, kind: 'Node http server (nginx not installed; same process as the bench)', stop: async () => void server.close() };
}

async function bundleClient(): Promise<string> {
  // Our engine as the extension ships it: bundled, worker in its own file.
  await esbuild.build({
    entryPoints: { 'load-client': join(root, 'test/bench/load-client.ts'), 'load-worker': join(root, 'src/core/load/worker.ts') },
    outdir: work,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    minify: true,
    logLevel: 'error',
  });
  return join(work, 'load-client.js');
}

function ours(client: string, url: string, conc: number, seconds: number): Result {
  const { out, cpu } = timed([...clientCpu, process.execPath, client, url, String(conc), String(seconds), '1'], (seconds + 30) * 1000);
  const j = JSON.parse(out.trim().split('\n').pop()!);
  return { tool: 'sock-shop-lab engine', rps: j.rps, requests: j.requests, p50Ms: j.p50Ms, cpuSeconds: cpu, cpuMsPer1000: (1e6 * cpu) / j.requests, load: loadavg()[0], note: j.failures ? `${j.failures} failures` : undefined };
}

function autocannon(url: string, seconds: number): Result {
  const { out, cpu } = timed([...clientCpu, process.execPath, join(root, 'node_modules/autocannon/autocannon.js'), '-c', String(CONC), '-d', String(seconds), '-j', url], (seconds + 30) * 1000);
  const j = JSON.parse(out.slice(out.indexOf('{')));
  const requests = j.requests.total as number;
  return { tool: 'autocannon', rps: Math.round((requests / j.duration) * 10) / 10, requests, p50Ms: j.latency.p50, cpuSeconds: cpu, cpuMsPer1000: (1e6 * cpu) / requests, load: loadavg()[0] };
}

function wrk(url: string, conc: number, seconds: number): Result {
  const { out, cpu } = timed([...clientCpu, '/usr/bin/wrk', '-t1', `-c${conc}`, `-d${seconds}s`, '--latency', url], (seconds + 30) * 1000);
  const requests = Number(/(\d+) requests in/.exec(out)?.[1]);
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = /50%\s+([\d.]+)(us|ms|s)/.exec(out);
  const p50Ms = p50 ? Number(p50[1]) * (p50[2] === 'us' ? 0.001 : p50[2] === 's' ? 1000 : 1) : undefined;
  return { tool: 'wrk', rps, requests, p50Ms, cpuSeconds: cpu, cpuMsPer1000: (1e6 * cpu) / requests, load: loadavg()[0] };
}

function ab(url: string, seconds: number): Result {
  const { out, cpu } = timed([...clientCpu, '/usr/bin/ab', '-k', '-q', '-c', String(CONC), '-t', String(seconds), '-n', '100000000', url], (seconds + 30) * 1000);
  const requests = Number(/Complete requests:\s+(\d+)/.exec(out)?.[1]);
  const rps = Number(/Requests per second:\s+([\d.]+)/.exec(out)?.[1]);
  const p50 = /^\s+50%\s+(\d+)/m.exec(out);
  return { tool: 'ab -k', rps, requests, p50Ms: p50 ? Number(p50[1]) : undefined, cpuSeconds: cpu, cpuMsPer1000: (1e6 * cpu) / requests, load: loadavg()[0] };
}

function locust(url: string, seconds: number, user: 'FastHttpUser' | 'HttpUser'): Result {
  const file = join(work, `bench_${user}.py`);
  writeFileSync(
    file,
    `from locust import ${user}, task, constant\n\nclass Bench(${user}):\n    wait_time = constant(0)\n\n    @task\n    def index(self):\n        self.client.get("/")\n`,
  );
  const prefix = join(work, `locust_${user}`);
  const { cpu } = timed(
    [...clientCpu, '/usr/bin/locust', '-f', file, '--headless', '-u', String(CONC), '-r', String(CONC), '-t', `${seconds}s`, '--host', url, '--csv', prefix, '--only-summary', '--loglevel', 'WARNING'],
    (seconds + 60) * 1000,
  );
  const csv = readFileSync(`${prefix}_stats.csv`, 'utf8').trim().split('\n');
  const head = csv[0].split(',').map((h) => h.replace(/"/g, ''));
  const agg = csv.find((l) => l.includes('Aggregated'))!.split(',').map((v) => v.replace(/"/g, ''));
  const col = (name: string): number => Number(agg[head.indexOf(name)]);
  const requests = col('Request Count');
  return { tool: `Locust ${user}`, rps: Math.round(col('Requests/s') * 10) / 10, requests, p50Ms: col('50%'), cpuSeconds: cpu, cpuMsPer1000: (1e6 * cpu) / requests, load: loadavg()[0] };
}

async function main(): Promise<void> {
  const server = await startServer();
  const client = await bundleClient();
  const results: Result[] = [];
  try {
    // Warm-up (nginx page cache, CPU frequency).
    timed(['/usr/bin/wrk', '-t1', '-c10', '-d1s', server.url], 10_000);
    for (let round = 0; round < ROUNDS; round++) {
      results.push(ours(client, server.url, CONC, SECONDS));
      results.push(autocannon(server.url, SECONDS));
      if (existsSync('/usr/bin/wrk')) results.push(wrk(server.url, CONC, SECONDS));
      if (existsSync('/usr/bin/ab')) results.push(ab(server.url, SECONDS));
      if (existsSync('/usr/bin/locust')) {
        results.push(locust(server.url, SECONDS, 'FastHttpUser'));
        results.push(locust(server.url, SECONDS, 'HttpUser'));
      }
      for (const r of results.slice(-6)) console.error(`round ${round + 1}: ${r.tool} ${r.rps} req/s (load ${r.load.toFixed(1)})`);
    }
    // Latency added at p50: one connection, our engine vs wrk (a C client with a near-zero overhead).
    const oursC1 = ours(client, server.url, 1, 3);
    const wrkC1 = existsSync('/usr/bin/wrk') ? wrk(server.url, 1, 3) : undefined;
    const best = (tool: string): Result => results.filter((r) => r.tool === tool).sort((a, b) => b.rps - a.rps)[0];
    const o = best('sock-shop-lab engine');
    const ratio = (tool: string): string => {
      const b = results.some((r) => r.tool === tool) ? best(tool) : undefined;
      return b ? (o.rps / b.rps).toFixed(2) : 'n/a';
    };
    const summary = {
      server: server.kind,
      pinned: pin,
      seconds: SECONDS,
      rounds: ROUNDS,
      concurrency: CONC,
      results,
      ratios: {
        'engine / autocannon': ratio('autocannon'),
        'engine / wrk': ratio('wrk'),
        'engine / ab -k': ratio('ab -k'),
        'engine / Locust FastHttpUser': ratio('Locust FastHttpUser'),
        'engine / Locust HttpUser': ratio('Locust HttpUser'),
      },
      addedLatencyP50Ms: wrkC1?.p50Ms !== undefined && oursC1.p50Ms !== undefined ? Math.round((oursC1.p50Ms - wrkC1.p50Ms) * 1000) / 1000 : undefined,
      c1: { engineP50Ms: oursC1.p50Ms, wrkP50Ms: wrkC1?.p50Ms, engineRps: oursC1.rps, wrkRps: wrkC1?.rps },
    };
    console.log('| tool | req/s | requests | p50 ms | CPU s | CPU ms / 1000 req | load avg |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of results) {
      console.log(`| ${r.tool} | ${r.rps} | ${r.requests} | ${r.p50Ms ?? ''} | ${r.cpuSeconds.toFixed(2)} | ${r.cpuMsPer1000.toFixed(1)} | ${r.load.toFixed(1)} |`);
    }
    console.log(JSON.stringify({ ratios: summary.ratios, addedLatencyP50Ms: summary.addedLatencyP50Ms, c1: summary.c1, server: summary.server }, null, 1));
    const out = opt('json', '');
    if (out) writeFileSync(out, JSON.stringify(summary, null, 2));
  } finally {
    await server.stop();
    rmSync(work, { recursive: true, force: true });
  }
}

void main();
