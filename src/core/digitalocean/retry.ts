// When to retry a DigitalOcean API request, and how long to wait first. Pure functions so the policy
// can be unit-tested on its own; src/core/digitalocean/http.ts applies it to real requests.
//
// Rules:
// - 429 (rate limited): the request was not processed, so any method may be sent again after the wait
//   the API asks for (Retry-After in seconds or as an HTTP date, else ratelimit-reset as a Unix time),
//   each wait capped and the number of 429 rounds bounded.
// - 5xx, network errors and timeouts: retried with exponential backoff and jitter, only for idempotent
//   requests (GET, HEAD, PUT, DELETE). A POST is never re-sent blindly; its caller decides (e.g. looks the
//   cluster up by name first).
// - Everything else (4xx): not retried.

export interface RetryPolicy {
  /** Attempts in total for 5xx / network errors on idempotent requests (1 = no retry). */
  maxAttempts: number;
  /** First backoff step in ms; doubles each attempt. */
  baseDelayMs: number;
  /** Upper bound of one backoff step in ms. */
  maxDelayMs: number;
  /** Rate-limited rounds (429) tolerated per request before giving up. */
  maxRateLimitRetries: number;
  /** Upper bound of one wait for a 429, whatever the server asks for. */
  maxRateLimitWaitMs: number;
  /** Wait for a 429 without Retry-After / ratelimit-reset headers. */
  defaultRateLimitWaitMs: number;
  /** Overall time budget for one request including its waits; no retry is started past it. */
  budgetMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 8_000,
  maxRateLimitRetries: 8,
  maxRateLimitWaitMs: 60_000,
  defaultRateLimitWaitMs: 2_000,
  budgetMs: 180_000,
};

export type Failure =
  | { kind: 'status'; status: number; headers: Record<string, string | undefined> }
  | { kind: 'network'; code: string };

export interface RetryState {
  /** 1 for the first attempt. */
  attempt: number;
  /** 5xx / network failures so far, this one included. */
  transientFailures: number;
  /** 429 answers so far, this one included. */
  rateLimited: number;
  elapsedMs: number;
}

export type RetryDecision = { retry: false; why: string } | { retry: true; delayMs: number; why: string };

export const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

export function isIdempotent(method: string | undefined): boolean {
  return IDEMPOTENT_METHODS.has((method ?? 'GET').toUpperCase());
}

/** Milliseconds the server asks us to wait on a 429, if it says; `now` in ms since the epoch. */
export function rateLimitWaitMs(headers: Record<string, string | undefined>, now: number): number | undefined {
  const retryAfter = headers['retry-after']?.trim();
  if (retryAfter) {
    if (/^\d+(\.\d+)?$/.test(retryAfter)) return Math.max(0, Number(retryAfter) * 1000);
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, at - now);
  }
  const reset = headers['ratelimit-reset']?.trim();
  if (reset && /^\d+(\.\d+)?$/.test(reset)) {
    const value = Number(reset);
    // DigitalOcean sends the Unix time (seconds) the window resets at; a small number is a delta.
    const ms = value > 1e9 ? value * 1000 - now : value * 1000;
    return Math.max(0, ms);
  }
  return undefined;
}

/** Exponential backoff with "equal jitter": half the step fixed, half random. */
export function backoffMs(policy: RetryPolicy, failures: number, random: () => number = Math.random): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1));
  return Math.round(step / 2 + random() * (step / 2));
}

export function decideRetry(
  method: string,
  failure: Failure,
  state: RetryState,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  now: number = Date.now(),
  random: () => number = Math.random,
): RetryDecision {
  const overBudget = (delay: number) => state.elapsedMs + delay > policy.budgetMs;
  if (failure.kind === 'status' && failure.status === 429) {
    if (state.rateLimited > policy.maxRateLimitRetries) return { retry: false, why: `still rate limited after ${state.rateLimited - 1} waits` };
    const asked = rateLimitWaitMs(failure.headers, now);
    // A little jitter so parallel callers do not all come back in the same millisecond.
    const base = Math.min(policy.maxRateLimitWaitMs, asked ?? policy.defaultRateLimitWaitMs);
    const delayMs = Math.round(base + random() * Math.min(250, base * 0.1 + 50));
    if (overBudget(delayMs)) return { retry: false, why: 'rate limited past the time budget' };
    return { retry: true, delayMs, why: asked !== undefined ? 'rate limited; waiting as the API asks' : 'rate limited' };
  }
  const transient = failure.kind === 'network' || (failure.kind === 'status' && failure.status >= 500);
  if (!transient) return { retry: false, why: 'not a transient failure' };
  if (!isIdempotent(method)) return { retry: false, why: `${method.toUpperCase()} is not idempotent` };
  if (state.transientFailures >= policy.maxAttempts) return { retry: false, why: `gave up after ${state.transientFailures} attempts` };
  const delayMs = backoffMs(policy, state.transientFailures, random);
  if (overBudget(delayMs)) return { retry: false, why: 'past the time budget' };
  return { retry: true, delayMs, why: failure.kind === 'network' ? `network error ${failure.code}` : `HTTP ${failure.status}` };
}
