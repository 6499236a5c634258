// Final load report as Markdown and JSON, and where it is saved in the workspace.
import { mkdir, writeFile } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { ClusterLoadOptions } from './cluster';
import type { LiveStats, LoadModel, LoadReport, TargetSpec } from './types';

export function describeModel(m: LoadModel): string {
  switch (m.kind) {
    case 'closed':
      return `closed (ab): ${m.requests} requests, concurrency ${m.concurrency}`;
    case 'open':
      return `open: ${m.rate} requests/s, up to ${m.maxConnections} connections (latency from intended send time)`;
    case 'users':
      return `users (Locust): ${m.users} users, spawn ${m.spawnRate}/s, wait between(${m.waitSeconds[0]}, ${m.waitSeconds[1]}) s, flow "${m.flow}"`;
  }
}

const END_REASONS: Record<string, string> = {
  completed: 'all requests completed',
  maxRequests: 'request bound reached',
  maxDuration: 'duration bound reached',
  stopped: 'stopped by the user',
  error: 'the engine failed',
};

/**
 * Why a run does not count as having put the target under load (the walkthrough step ticks only when it
 * did): undefined when at least half of the requests succeeded.
 */
export function loadRunShortfall(r: Pick<LoadReport, 'requests' | 'successes' | 'failPercent' | 'failuresByCause'>): string | undefined {
  if (r.requests === 0) return 'no request was sent';
  const causes = Object.entries(r.failuresByCause)
    .sort(([, a], [, b]) => b - a)
    .slice(0, 3)
    .map(([c, n]) => `${c} × ${n}`)
    .join(', ');
  if (r.successes === 0) return `every request failed${causes ? ` (${causes})` : ''}`;
  if (r.failPercent > 50) return `${r.failPercent}% of the requests failed${causes ? ` (${causes})` : ''}`;
  return undefined;
}

export function reportMarkdown(r: LoadReport): string {
  const l = r.latencyMs;
  const lines = [
    `# Load report`,
    '',
    `| | |`,
    `|---|---|`,
    `| Target | ${r.spec.target.url} |`,
    `| Model | ${describeModel(r.spec.model)} |`,
    `| Keep-alive | ${r.spec.target.keepAlive === false ? 'off' : 'on'} |`,
    `| Started | ${r.startedAt} |`,
    `| Duration | ${r.durationSeconds.toFixed(1)} s (${END_REASONS[r.endReason] ?? r.endReason}) |`,
    `| Requests | ${r.requests} (${r.successes} succeeded, ${r.failures} failed, ${r.failPercent}%) |`,
    `| Throughput | ${r.rps} requests/s |`,
    `| Latency (ms) | min ${l.min} · p50 ${l.p50} · p90 ${l.p90} · p95 ${l.p95} · p99 ${l.p99} · p99.9 ${l.p999} · max ${l.max} |`,
    '',
    '## Responses by status',
    '',
    ...(Object.keys(r.statuses).length
      ? [
          '| Status | Count |',
          '|---|---|',
          ...Object.entries(r.statuses)
            .sort(([a], [b]) => Number(a) - Number(b))
            .map(([s, n]) => `| ${s} | ${n} |`),
        ]
      : [r.requests ? `No response: all ${r.requests} requests failed before an HTTP status (see Failures by cause).` : 'No request was sent.']),
    '',
    '## Failures by cause',
    '',
    'Connection errors, timeouts and responses other than 2xx/3xx count as failures.',
    '',
  ];
  const causes = Object.entries(r.failuresByCause).sort(([, a], [, b]) => b - a);
  if (causes.length) lines.push('| Cause | Count |', '|---|---|', ...causes.map(([c, n]) => `| ${c} | ${n} |`));
  else lines.push('None.');
  lines.push('', '## Endpoints', '', '| Name | Requests | Failures | p50 ms | p95 ms | p99 ms | max ms |', '|---|---|---|---|---|---|---|');
  for (const e of r.endpoints) lines.push(`| ${e.name} | ${e.requests} | ${e.failures} | ${e.p50Ms} | ${e.p95Ms} | ${e.p99Ms} | ${e.maxMs} |`);
  if (r.timeline.length) {
    lines.push('', '## Timeline', '', '| t (s) | req/s | fail % | p50 ms | p95 ms | p99 ms | users |', '|---|---|---|---|---|---|---|');
    for (const s of r.timeline) lines.push(`| ${s.elapsedSeconds} | ${s.rps} | ${s.failPercent} | ${s.p50Ms} | ${s.p95Ms} | ${s.p99Ms} | ${s.activeUsers} |`);
  }
  return lines.join('\n') + '\n';
}

/** Header names whose values say nothing secret; every other header's value is redacted in saved reports. */
const PLAIN_HEADERS = new Set(['accept', 'accept-encoding', 'accept-language', 'cache-control', 'connection', 'content-type', 'user-agent']);
export const REDACTED = '<redacted>';

/**
 * A target as it may be written to disk: header values redacted (but for a few plain ones), cookie values
 * redacted with their names kept, and any user name, password or query string taken out of the URL.
 */
export function redactTarget<T extends TargetSpec>(t: T): T {
  const out: T = { ...t };
  if (t.headers) out.headers = Object.fromEntries(Object.entries(t.headers).map(([k, v]) => [k, PLAIN_HEADERS.has(k.toLowerCase()) ? v : REDACTED]));
  if (t.cookies) out.cookies = t.cookies.map((c) => `${c.split('=')[0].trim()}=${REDACTED}`);
  try {
    const u = new URL(t.url);
    if (u.username || u.password || u.search) {
      u.username = '';
      u.password = '';
      if (u.search) u.search = `?${REDACTED}`;
      out.url = u.toString();
    }
  } catch {
    /* not a URL: kept as it is */
  }
  return out;
}

/** The report as it may be written to disk (see redactTarget). */
export function redactedReport(r: LoadReport): LoadReport {
  return { ...r, spec: { ...r.spec, target: redactTarget(r.spec.target) } };
}

/**
 * True when `file` is a saved report under one of the workspace folders' .sockshop/reports (the only files
 * the Load panel may open on a webview's request). Paths are resolved first, so `..` cannot climb out.
 */
export function reportPathAllowed(file: string, workspaceDirs: readonly string[]): boolean {
  if (!isAbsolute(file) || !/\.(md|json)$/i.test(file)) return false;
  const resolved = resolve(file);
  return workspaceDirs.some((w) => {
    const dir = resolve(w, '.sockshop', 'reports');
    const rel = relative(dir, resolved);
    return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.includes(sep);
  });
}

/** Writes <dir>/.sockshop/reports/load-<timestamp>.md and .json; returns both paths. */
export async function saveReport(workspaceDir: string, r: LoadReport): Promise<{ markdown: string; json: string }> {
  const dir = join(workspaceDir, '.sockshop', 'reports');
  await mkdir(dir, { recursive: true });
  const stamp = r.startedAt.replace(/[:.]/g, '-');
  const safe = redactedReport(r);
  const markdown = join(dir, `load-${stamp}.md`);
  const json = join(dir, `load-${stamp}.json`);
  await writeFile(markdown, reportMarkdown(safe));
  await writeFile(json, JSON.stringify(safe, null, 2) + '\n');
  return { markdown, json };
}

/** Markdown for a Locust run in the cluster (what the master reported). */
export function clusterReportMarkdown(o: ClusterLoadOptions, timeline: LiveStats[]): string {
  const last = timeline[timeline.length - 1];
  const lines = [
    '# Load report (Locust in the cluster)',
    '',
    '| | |',
    '|---|---|',
    `| Target (in cluster) | ${o.host} |`,
    `| Flow | ${o.flow} |`,
    `| Users | ${o.users} at ${o.spawnRate}/s, wait between(${o.waitSeconds[0]}, ${o.waitSeconds[1]}) s, ${o.workers} worker pod(s) |`,
    `| Requests | ${last?.totalRequests ?? 0} (${last?.totalFailures ?? 0} failed) |`,
    `| Samples | ${timeline.length} |`,
    '',
    '## Endpoints (cumulative, as reported by Locust)',
    '',
    '| Name | Requests | Failures | p50 ms | p95 ms | p99 ms | max ms |',
    '|---|---|---|---|---|---|---|',
    ...(last?.endpoints ?? []).map((e) => `| ${e.name} | ${e.requests} | ${e.failures} | ${e.p50Ms} | ${e.p95Ms} | ${e.p99Ms} | ${e.maxMs} |`),
    '',
    ...(Object.keys(last?.failuresByCause ?? {}).length
      ? ['## Failures by cause (Locust\'s error table)', '', '| Cause | Occurrences |', '|---|---|', ...Object.entries(last!.failuresByCause!).sort(([, x], [, y]) => y - x).map(([c, n]) => `| ${c.replace(/\|/g, '\\|')} | ${n} |`), '']
      : []),
    '## Timeline',
    '',
    '| t (s) | state | req/s | fail % | p50 ms | p95 ms | users |',
    '|---|---|---|---|---|---|---|',
    ...timeline.map((s) => `| ${s.elapsedSeconds} | ${s.state} | ${s.rps} | ${s.failPercent} | ${s.p50Ms} | ${s.p95Ms} | ${s.activeUsers} |`),
  ];
  return lines.join('\n') + '\n';
}

/** Saves a cluster run's Markdown and JSON under <dir>/.sockshop/reports. */
export async function clusterReport(workspaceDir: string, o: ClusterLoadOptions, timeline: LiveStats[]): Promise<{ markdown: string; json: string }> {
  const dir = join(workspaceDir, '.sockshop', 'reports');
  await mkdir(dir, { recursive: true });
  const stamp = new Date(timeline[0]?.time ?? Date.now()).toISOString().replace(/[:.]/g, '-');
  const markdown = join(dir, `load-cluster-${stamp}.md`);
  const json = join(dir, `load-cluster-${stamp}.json`);
  await writeFile(markdown, clusterReportMarkdown(o, timeline));
  await writeFile(json, JSON.stringify({ options: o, timeline }, null, 2) + '\n');
  return { markdown, json };
}
