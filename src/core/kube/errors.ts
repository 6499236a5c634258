// Turning errors from the Kubernetes API into specific messages for users.
import { CancelledError, httpStatus, isCancellation, kubeStatusMessage, networkCode, networkWords, UserError } from '../errors';
import type { KubeConfig } from '@kubernetes/client-node';
import { refreshAdvice } from './kubeconfig';

export interface KubeErrorContext {
  /** The kubeconfig context in use. */
  context: string;
  /** The API server URL of the context. */
  server?: string;
  /** What was being done, for messages: e.g. "delete pod sock-shop/carts-1". */
  action?: string;
  /** The user name of the context, for RBAC messages. */
  user?: string;
}

/** Network-level failure codes that node-fetch reports in the message only (FetchError.code is 'system'). */
function codeFromMessage(err: unknown): string | undefined {
  const msg = (err as { message?: unknown })?.message;
  if (typeof msg !== 'string') return undefined;
  const m = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)\b/.exec(msg);
  return m?.[1];
}

export function isUnreachable(err: unknown): boolean {
  return !!(networkCode(err) ?? errnoOf(err) ?? codeFromMessage(err));
}

function errnoOf(err: unknown): string | undefined {
  // node-fetch's FetchError carries the system error's code as `errno` / `code` ('system' type).
  const e = err as { errno?: unknown; code?: unknown; type?: unknown } | undefined;
  for (const v of [e?.errno, e?.code]) if (typeof v === 'string' && networkWords(v)) return v;
  return undefined;
}

/** Causes of a 5xx that are the API server's own trouble (its storage, its timeouts), not the request's. */
const SERVER_TROUBLE = /etcd|storage|rpc error|deadline exceeded|timeout|timed out|connection refused|no leader|leader changed|too many requests|service unavailable|unavailable/i;

/**
 * The cause, when a status says the API server itself is in trouble: 502/503/504 always; 500 when its
 * message names storage or timeouts (a 500 can also be one object's problem, e.g. a server-side apply
 * schema violation, which stays a per-object failure).
 */
export function apiServerTrouble(status: number | undefined, message: string | undefined): string | undefined {
  if (status === undefined || status < 500) return undefined;
  const cause = (message ?? '').split('\n')[0].trim().slice(0, 300);
  if (status === 502 || status === 503 || status === 504) return cause || (status === 504 ? 'gateway timeout' : status === 503 ? 'service unavailable' : 'bad gateway');
  if (status === 500 && SERVER_TROUBLE.test(cause)) return cause;
  return undefined;
}

/**
 * Maps an error from a Kubernetes call to a UserError with a specific message, or returns the
 * error unchanged when it has nothing specific to say (e.g. cancellations, already UserErrors).
 */
export function kubeError(err: unknown, ctx: KubeErrorContext): unknown {
  if (err instanceof UserError || err instanceof CancelledError || isCancellation(err)) return err;
  const code = networkCode(err) ?? errnoOf(err) ?? codeFromMessage(err);
  if (code) {
    const server = ctx.server ? `the Kubernetes API server at ${ctx.server}` : 'the Kubernetes API server';
    return new UserError(
      `Cannot reach ${server}: ${networkWords(code) ?? code} (${code}) (context "${ctx.context}"). ` +
        'Is the cluster running, and is this the right context?',
      'Unreachable',
      String((err as Error)?.message ?? err),
    );
  }
  const status = httpStatus(err);
  const statusMsg = kubeStatusMessage(err);
  const trouble = apiServerTrouble(status, statusMsg);
  if (trouble) {
    const server = ctx.server ? ` at ${ctx.server}` : '';
    return new UserError(
      `The API server of context "${ctx.context}"${server} answered ${status}: ${trouble}. ` +
        'The cluster itself is in trouble (not this request); retry when it recovers.',
      'ApiServerError',
      statusMsg,
    );
  }
  if (status === 401) {
    return new UserError(
      `The cluster rejected the credentials of context "${ctx.context}" (HTTP 401 Unauthorized): they are expired or invalid. ${refreshAdvice(ctx.context)}`,
      'ExpiredCredentials',
      statusMsg,
    );
  }
  if (status === 403) {
    const who = ctx.user ? `user "${ctx.user}" of context "${ctx.context}"` : `context "${ctx.context}"`;
    const what = statusMsg ?? (ctx.action ? `not allowed to ${ctx.action}` : 'forbidden');
    return new UserError(`Forbidden by the cluster's RBAC rules for ${who}: ${what}`, 'Forbidden', statusMsg);
  }
  if (status === 404 && ctx.action) {
    return new UserError(`Not found: could not ${ctx.action}${statusMsg ? ` (${statusMsg})` : ''}.`, 'NotFound', statusMsg);
  }
  if (status && ctx.action) {
    return new UserError(
      `Could not ${ctx.action}: ${statusMsg ?? `HTTP ${status}`}${statusMsg ? ` (HTTP ${status})` : ''}.`,
      `Http${status}`,
      statusMsg,
    );
  }
  return err;
}

function serverOf(kc: KubeConfig): string {
  return kc.getCurrentCluster()?.server ?? '(no cluster in the kubeconfig)';
}

/**
 * A UserError for failures that are about the cluster as a whole (unreachable, credentials),
 * or undefined when err is about one request only.
 */
export function clusterProblem(err: unknown, kc: KubeConfig): UserError | undefined {
  // Unreachable servers, rejected credentials and an API server in trouble read the same wherever they
  // happen (src/core/kube).
  const mapped = kubeError(err, { context: (kc.getCurrentContext() || '(no context)'), server: serverOf(kc) });
  if (mapped instanceof UserError && (mapped.reason === 'Unreachable' || mapped.reason === 'ExpiredCredentials' || mapped.reason === 'ApiServerError')) {
    return mapped;
  }
  const msg = String((err as Error)?.message ?? '');
  if (/self[- ]signed|certificate|CERT_|UNABLE_TO_VERIFY/i.test(msg)) {
    return new UserError(`TLS to ${serverOf(kc)} failed: ${msg}`, 'Tls');
  }
  return undefined;
}

/** One-line description of an API error for one object. */
export function objectErrorMessage(err: unknown): string {
  const status = httpStatus(err);
  let msg = kubeStatusMessage(err) ?? (err as Error)?.message ?? String(err);
  // Server-side apply reports schema violations (a string where a number goes, an unknown field) as
  // "failed to create typed patch object (ns/name; group/version, Kind=K): .spec.replicas: ...",
  // with HTTP 500; the object is already named by the caller, the field path is what matters.
  msg = msg.replace(/^failed to create typed patch object \([^)]*\): /, 'invalid: ');
  return status ? `${msg} (HTTP ${status})` : msg;
}
