// One request to the target before a load run or a chaos experiment: if it refuses, times out or answers
// with an error, the user hears it before spending minutes on 100 % failures.
import { request } from 'node:http';
import { parseTarget } from './target';
import type { TargetSpec } from './types';

export interface PreflightResult {
  ok: boolean;
  /** HTTP status, when the target answered. */
  status?: number;
  ms: number;
  /** One sentence: what the target did ("answered HTTP 200 in 12 ms", "refused the connection (ECONNREFUSED)"). */
  summary: string;
}

const CODES: Record<string, string> = {
  ECONNREFUSED: 'refused the connection',
  ECONNRESET: 'reset the connection',
  EHOSTUNREACH: 'is unreachable (no route to the host)',
  ENETUNREACH: 'is unreachable (no route to the network)',
  ENOTFOUND: 'has a name that does not resolve',
  EAI_AGAIN: 'has a name that does not resolve (DNS failed)',
};

/** GETs the target's URL once (with its headers and cookies); ok means a 2xx or 3xx answer within timeoutMs. */
export function preflight(target: Pick<TargetSpec, 'url' | 'headers' | 'cookies'>, timeoutMs = 5_000): Promise<PreflightResult> {
  const t = parseTarget(target.url);
  const started = Date.now();
  const ms = () => Date.now() - started;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (r: Omit<PreflightResult, 'ms'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ...r, ms: ms() });
    };
    const headers: Record<string, string> = { host: t.hostHeader, 'user-agent': 'sock-shop-lab-preflight', ...target.headers };
    if (target.cookies?.length) headers.cookie = target.cookies.join('; ');
    const req = request({ host: t.host, port: t.port, path: t.path, method: 'GET', headers, agent: false });
    const timer = setTimeout(() => finish({ ok: false, summary: `did not answer within ${timeoutMs < 1000 ? `${timeoutMs} ms` : `${(timeoutMs / 1000).toFixed(0)} s`}` }), timeoutMs);
    req.on('response', (res) => {
      const status = res.statusCode ?? 0;
      res.resume();
      const ok = status >= 200 && status < 400;
      finish({ ok, status, summary: `answered HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''} in ${ms()} ms` });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      const code = err.code ?? '';
      finish({ ok: false, summary: `${CODES[code] ?? `failed: ${err.message}`}${code && CODES[code] ? ` (${code})` : ''}` });
    });
    req.end();
  });
}
