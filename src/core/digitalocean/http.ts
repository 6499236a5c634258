// The configured HTTP client under the DigitalOcean client: dots-wrapper's own axios instance (so the
// calls dots-wrapper lacks go through exactly the same base URL, headers and timeout), wrapped with
// the retry policy of retry.ts, cancellation, and errors that carry the API's `id` and `message`
// and never the token.
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AxiosError, AxiosInstance, AxiosResponse } from 'axios';
import type * as DotsWrapper from 'dots-wrapper';
import { sleep } from '../async';
import { CancelledError, UserError, type UserErrorReason } from '../errors';
import { DEFAULT_RETRY_POLICY, decideRetry, type Failure, type RetryPolicy } from './retry';

export const DEFAULT_ENDPOINT = 'https://api.digitalocean.com/v2';

export interface DoLogger {
  info(message: string): void;
  warn(message: string): void;
}

export const silentLogger: DoLogger = { info() {}, warn() {} };

/** A DigitalOcean API failure as users see it; `apiId`/`apiMessage` are the API's own error fields. */
export class DoApiError extends UserError {
  constructor(
    message: string,
    reason: UserErrorReason,
    readonly status?: number,
    readonly apiId?: string,
    readonly apiMessage?: string,
    readonly networkCode?: string,
  ) {
    super(message, reason);
    this.name = 'DoApiError';
  }
}

/** True for the error a rejected/revoked token produces. */
export function isUnauthorized(err: unknown): boolean {
  return err instanceof DoApiError && err.reason === 'Unauthorized';
}

/** Replaces every occurrence of the secrets (and any bearer credential) in text. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const s of secrets) if (s && s.length >= 4) out = out.split(s).join('[redacted]');
  return out.replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[redacted]');
}

/** Normalises the configured endpoint: trims, drops a trailing slash, adds /v2 to a bare origin. */
export function normalizeEndpoint(endpoint: string | undefined): string {
  const raw = (endpoint ?? '').trim() || DEFAULT_ENDPOINT;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UserError(`The DigitalOcean API URL "${raw}" is not a valid URL (setting sockShop.digitalocean.apiUrl).`, 'BadSetting');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UserError(`The DigitalOcean API URL must be http(s), not ${url.protocol} (setting sockShop.digitalocean.apiUrl).`, 'BadSetting');
  }
  let path = url.pathname.replace(/\/+$/, '');
  if (path === '') path = '/v2';
  return `${url.origin}${path}`;
}

export interface HttpOptions {
  token: string;
  endpoint?: string;
  /** Per-request timeout (default 30 s). */
  timeoutMs?: number;
  policy?: Partial<RetryPolicy>;
  log?: DoLogger;
  /** Test hook: replaces the clock-based sleep. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export interface CallOptions {
  signal?: AbortSignal;
  /**
   * What the call does, for messages ("list clusters"). Also names the call in the log.
   */
  what: string;
  /** HTTP method of the call (decides whether 5xx / network errors may be retried). */
  method: string;
  /** Statuses that are not failures for this call (e.g. 404 on a delete); the response is returned. */
  acceptStatus?: number[];
}

type Dots = ReturnType<typeof DotsWrapper.modules.common.createApiClient>;

/**
 * dots-wrapper (and the axios under it) load with the first DigitalOcean client, not with the features
 * bundle: the Workloads view, the first thing most starts show, never needs them (~40 ms saved).
 */
const dotsModules = (): typeof DotsWrapper.modules => (require('dots-wrapper') as typeof DotsWrapper).modules;
export type DotsClient = ReturnType<Dots>;

const signalStore = new AsyncLocalStorage<AbortSignal | undefined>();

const NETWORK_MESSAGES: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was dropped',
  ETIMEDOUT: 'the connection timed out',
  ECONNABORTED: 'the request timed out',
  ERR_NETWORK: 'the network failed',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved right now',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  EPIPE: 'the connection was dropped',
  ERR_BAD_RESPONSE: 'the response was malformed',
};

function headerMap(headers: unknown): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if (!headers || typeof headers !== 'object') return out;
  const h = headers as { toJSON?: () => Record<string, unknown> };
  const plain = typeof h.toJSON === 'function' ? h.toJSON() : (headers as Record<string, unknown>);
  for (const [k, v] of Object.entries(plain)) out[k.toLowerCase()] = v === undefined || v === null ? undefined : String(v);
  return out;
}

/** The API's error body fields, or Prism's problem-details fields if a validation proxy answered. */
function errorBody(data: unknown): { id?: string; message?: string; prism?: string } {
  let body: unknown = data;
  if (typeof data === 'string') {
    try {
      body = JSON.parse(data);
    } catch {
      return data.trim() ? { message: data.trim().slice(0, 300) } : {};
    }
  }
  if (!body || typeof body !== 'object') return {};
  const b = body as Record<string, unknown>;
  const id = typeof b.id === 'string' ? b.id : undefined;
  const message = typeof b.message === 'string' ? b.message : undefined;
  let prism: string | undefined;
  if (typeof b.type === 'string' && /UNPROCESSABLE_ENTITY|VIOLATIONS|NOT_FOUND|NO_/.test(b.type)) {
    const parts = [b.title, b.detail].filter((x) => typeof x === 'string') as string[];
    const validation = Array.isArray(b.validation)
      ? (b.validation as { location?: unknown; message?: unknown }[]).map((v) => `${Array.isArray(v.location) ? v.location.join('.') : ''} ${String(v.message ?? '')}`.trim())
      : [];
    prism = [`${b.type.split('#').pop()}`, ...parts, ...validation].join(': ');
  }
  return { id, message, prism };
}

/** Scrubs credentials from an axios error before anything else can see it. */
function scrubAxiosError(err: AxiosError): void {
  const headers = err.config?.headers as Record<string, unknown> | undefined;
  if (headers) {
    for (const key of Object.keys(headers)) if (key.toLowerCase() === 'authorization') headers[key] = '[redacted]';
    if (typeof (headers as { delete?: unknown }).delete === 'function') {
      (headers as unknown as { set(k: string, v: string): void }).set('Authorization', '[redacted]');
    }
  }
  // The raw ClientRequest keeps the header block as text (`_header`); drop it.
  try {
    (err as { request?: unknown }).request = undefined;
    if (err.response) (err.response as { request?: unknown }).request = undefined;
  } catch {
    /* read-only in some axios builds */
  }
}

export class DoHttp {
  readonly endpoint: string;
  readonly dots: DotsClient;
  /** dots-wrapper's own configured axios instance (base URL, bearer header, timeout). */
  readonly axios: AxiosInstance;
  private readonly policy: RetryPolicy;
  private readonly log: DoLogger;
  private readonly sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  private readonly random: () => number;
  private readonly secrets: string[];

  constructor(opts: HttpOptions) {
    if (!opts.token || !opts.token.trim()) throw new UserError('No DigitalOcean token: sign in to DigitalOcean first.', 'NotSignedIn');
    this.endpoint = normalizeEndpoint(opts.endpoint);
    this.policy = { ...DEFAULT_RETRY_POLICY, ...opts.policy };
    this.secrets = [opts.token.trim()];
    const log = opts.log ?? silentLogger;
    // Every line any of our callers log through this client is scrubbed of the token.
    this.log = {
      info: (m) => log.info(redact(m, this.secrets)),
      warn: (m) => log.warn(redact(m, this.secrets)),
    };
    this.sleep = opts.sleep ?? sleep;
    this.random = opts.random ?? Math.random;
    let captured: AxiosInstance | undefined;
    const modules = dotsModules();
    const make = modules.common.createApiClient({
      modules,
      createContext: (input) => {
        const ctx = modules.common.createContext(input);
        captured = ctx.httpClient;
        return ctx;
      },
    });
    this.dots = make({ token: opts.token.trim(), endpoint: this.endpoint, requestTimeoutInMs: opts.timeoutMs ?? 30_000 });
    if (!captured) throw new Error('dots-wrapper did not create its HTTP client');
    this.axios = captured;
    this.axios.interceptors.request.use((config) => {
      const signal = signalStore.getStore();
      if (signal && !config.signal) config.signal = signal;
      return config;
    });
    this.axios.interceptors.response.use(undefined, (err: AxiosError) => {
      scrubAxiosError(err);
      return Promise.reject(err);
    });
  }

  /** Redacts this client's secrets from text. */
  redact(text: string): string {
    return redact(text, this.secrets);
  }

  get logger(): DoLogger {
    return this.log;
  }

  /**
   * Runs one API call (a dots-wrapper function or a direct request on `axios`) under the retry policy.
   * Returns the response; throws CancelledError when the signal fires, DoApiError for any failure.
   */
  async call<T>(opts: CallOptions, fn: () => Promise<AxiosResponse<T> | Readonly<{ data: T; status: number; headers: object }>>): Promise<{ data: T; status: number; headers: Record<string, string | undefined> }> {
    const started = Date.now();
    let transientFailures = 0;
    let rateLimited = 0;
    for (let attempt = 1; ; attempt++) {
      if (opts.signal?.aborted) throw new CancelledError();
      let failure: Failure;
      let err: unknown;
      try {
        const res = await signalStore.run(opts.signal, fn);
        return { data: res.data, status: res.status, headers: headerMap(res.headers) };
      } catch (e) {
        err = e;
        if (opts.signal?.aborted) throw new CancelledError();
        const ax = e as AxiosError;
        if (ax?.isAxiosError) scrubAxiosError(ax);
        if (ax?.response && ax.response.status < 400) {
          // The status line arrived but the body did not (the connection dropped mid-answer): the
          // outcome is unknown, like any other lost answer.
          failure = { kind: 'network', code: String(ax.code ?? 'ERR_BAD_RESPONSE') };
        } else if (ax?.response) {
          if (opts.acceptStatus?.includes(ax.response.status)) {
            return { data: ax.response.data as T, status: ax.response.status, headers: headerMap(ax.response.headers) };
          }
          failure = { kind: 'status', status: ax.response.status, headers: headerMap(ax.response.headers) };
        } else if (ax?.isAxiosError || typeof (e as { code?: unknown })?.code === 'string') {
          failure = { kind: 'network', code: String(ax.code ?? 'ERR_NETWORK') };
        } else {
          throw this.toError(opts, e, undefined);
        }
      }
      // A validation proxy's problem document (a broken contract) is not transient: never retried.
      if (failure.kind === 'status' && errorBody((err as AxiosError)?.response?.data).prism) {
        throw this.toError(opts, err, failure, { attempts: attempt, rateLimited, elapsedMs: Date.now() - started });
      }
      if (failure.kind === 'status' && failure.status === 429) rateLimited++;
      else if (failure.kind === 'network' || failure.status >= 500) transientFailures++;
      const decision = decideRetry(
        opts.method,
        failure,
        { attempt, transientFailures, rateLimited, elapsedMs: Date.now() - started },
        this.policy,
        Date.now(),
        this.random,
      );
      const label = `${opts.method.toUpperCase()} ${opts.what}`;
      const got = failure.kind === 'status' ? `HTTP ${failure.status}` : failure.code;
      if (!decision.retry) {
        if (attempt > 1 || failure.kind === 'network' || (failure.kind === 'status' && failure.status >= 429)) {
          this.log.warn(`DigitalOcean ${label}: ${got}; not retrying (${decision.why})`);
        }
        throw this.toError(opts, err, failure, { attempts: attempt, rateLimited, elapsedMs: Date.now() - started });
      }
      this.log.info(`DigitalOcean ${label}: ${got}; retrying in ${(decision.delayMs / 1000).toFixed(1)} s (${decision.why})`);
      await this.sleep(decision.delayMs, opts.signal);
    }
  }

  private toError(
    opts: CallOptions,
    err: unknown,
    failure: Failure | undefined,
    stats?: { attempts: number; rateLimited: number; elapsedMs: number },
  ): DoApiError {
    const r = (s: string) => this.redact(s);
    const what = opts.what;
    if (!failure) {
      const msg = err instanceof Error ? err.message : String(err);
      return new DoApiError(r(`DigitalOcean ${what} failed: ${msg}`), 'DoClientError');
    }
    if (failure.kind === 'network') {
      const why = NETWORK_MESSAGES[failure.code] ?? `network error ${failure.code}`;
      const host = (() => {
        try {
          return new URL(this.endpoint).host;
        } catch {
          return this.endpoint;
        }
      })();
      const tries = stats && stats.attempts > 1 ? ` after ${stats.attempts} attempts` : '';
      const unknownOutcome = opts.method.toUpperCase() === 'POST'
        ? ' The request may or may not have been carried out.'
        : '';
      return new DoApiError(
        r(`Cannot reach DigitalOcean (${host}) to ${what}: ${why} (${failure.code})${tries}.${unknownOutcome}`),
        opts.method.toUpperCase() === 'POST' ? 'OutcomeUnknown' : 'Unreachable',
        undefined,
        undefined,
        undefined,
        failure.code,
      );
    }
    const ax = err as AxiosError;
    const body = errorBody(ax?.response?.data);
    const status = failure.status;
    const idMsg = body.message
      ? `${body.message} (${body.id ? `${body.id}, ` : ''}HTTP ${status})`
      : body.id
        ? `${body.id} (HTTP ${status})`
        : `HTTP ${status}`;
    if (status === 401) {
      return new DoApiError(
        r(`DigitalOcean rejected the token — sign in again ("Sock Shop: Sign in to DigitalOcean"). The API said: ${idMsg}`),
        'Unauthorized',
        status,
        body.id && r(body.id),
        body.message && r(body.message),
      );
    }
    if (status === 429) {
      const secs = stats ? Math.round(stats.elapsedMs / 1000) : 0;
      return new DoApiError(
        r(`DigitalOcean is rate limiting requests; could not ${what} after waiting ${secs} s (${stats?.rateLimited ?? 1} rate-limited answers). The API said: ${idMsg}. Try again in a minute.`),
        'RateLimited',
        status,
        body.id && r(body.id),
        body.message && r(body.message),
      );
    }
    if (body.prism && !body.id) {
      return new DoApiError(
        r(`The DigitalOcean API exchange to ${what} broke the API contract (HTTP ${status}): ${body.prism}`),
        'ContractViolation',
        status,
        undefined,
        r(body.prism),
      );
    }
    const tries = stats && stats.attempts > 1 ? ` (after ${stats.attempts} attempts)` : '';
    const reason = status === 404 ? 'NotFound' : status === 403 ? 'Forbidden' : status >= 500 ? 'ServerError' : 'ApiError';
    const outcome = status >= 500 && opts.method.toUpperCase() === 'POST' ? ' The request may or may not have been carried out.' : '';
    return new DoApiError(r(`DigitalOcean could not ${what}: ${idMsg}${tries}.${outcome}`), reason, status, body.id && r(body.id), body.message && r(body.message));
  }
}
