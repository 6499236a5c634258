// Errors users see. Core code throws UserError with a specific, actionable message; the UI shows
// `message` as is. Anything else is turned into a message by describeError, which knows the shapes of
// @kubernetes/client-node's ApiException, Node's network errors and cancellation.

/** Why a UserError was thrown: one name per kind of failure, so callers can tell them apart by type. */
export type UserErrorReason =
  | 'ApiError'
  | 'ApiServerError'
  | 'ApplyFailed'
  | 'BadInput'
  | 'BadKubeMonkeyConfig'
  | 'BadKubeMonkeyLabels'
  | 'BadKubeMonkeyManifests'
  | 'BadKubeconfig'
  | 'BadLoadSpec'
  | 'BadResponse'
  | 'BadSetting'
  | 'BadTarget'
  | 'Busy'
  | 'ChaosRefused'
  | 'ClusterDeleted'
  | 'ClusterErrored'
  | 'ClusterGone'
  | 'ContractViolation'
  | 'CreateFailed'
  | 'DoClientError'
  | 'Empty'
  | 'ExpiredCredentials'
  | 'Forbidden'
  | 'GrafanaError'
  | 'GrafanaUnauthorized'
  | 'GrafanaUnreachable'
  | 'InstallFailed'
  | 'Invalid'
  | 'InvalidCount'
  | 'InvalidCredentials'
  | 'InvalidKubeconfig'
  | 'InvalidName'
  | 'InvalidNamespace'
  | 'InvalidYaml'
  | 'KubeconfigUnreadable'
  | 'KubeconfigUnwritable'
  | 'MetricsFailed'
  | 'MetricsMissing'
  | 'MetricsNotReady'
  | 'Mismatch'
  | 'NameTaken'
  | 'NoCluster'
  | 'NoClusters'
  | 'NoContext'
  | 'NoDashboard'
  | 'NoEditor'
  | 'NoGrafana'
  | 'MissingKubeconfigFile'
  | 'NoKubeconfig'
  | 'NoLogs'
  | 'NoPod'
  | 'NoSelector'
  | 'NotFound'
  | 'NotReady'
  | 'NotRunning'
  | 'NotSignedIn'
  | 'NoWorkspace'
  | 'OutcomeUnknown'
  | 'PatchFailed'
  | 'PollFailed'
  | 'PollTimeout'
  | 'PrometheusUnreachable'
  | 'Protected'
  | 'RateLimited'
  | 'Refused'
  | 'Rejected'
  | 'RolloutTimeout'
  | 'ServerError'
  | 'StaleItem'
  | 'Terminating'
  | 'Timeout'
  | 'Tls'
  | 'Unauthorized'
  | 'UnknownContext'
  | 'UnknownRegion'
  | 'UnknownSize'
  | 'UnknownVersion'
  | 'Unreachable'
  | 'UnsafeEndpoint'
  | 'Untrusted'
  | 'UserError'
  | 'WeakPassword'
  | 'WrongKind'
  /** An HTTP status from the API server with nothing more specific to say. */
  | `Http${number}`;

export class UserError extends Error {
  /** True when err is a UserError, and (given reasons) one of those reasons. */
  static is(err: unknown, ...reasons: UserErrorReason[]): err is UserError {
    return err instanceof UserError && (reasons.length === 0 || reasons.includes(err.reason));
  }

  constructor(
    message: string,
    /** A short machine-readable reason (e.g. 'Unreachable', 'Forbidden', 'ExpiredCredentials'). */
    readonly reason: UserErrorReason = 'UserError',
    /** Extra detail for the log, never shown in the notification. */
    readonly detail?: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export class CancelledError extends Error {
  constructor(message = 'Cancelled') {
    super(message);
    this.name = 'CancelledError';
  }
}

export function isCancellation(err: unknown): boolean {
  if (err instanceof CancelledError) return true;
  const e = err as { name?: string; code?: string } | undefined;
  return e?.name === 'AbortError' || e?.code === 'ABORT_ERR';
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'the connection was refused',
  ECONNRESET: 'the connection was reset',
  ETIMEDOUT: 'the connection timed out',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ENOTFOUND: 'the host name does not resolve',
  EAI_AGAIN: 'the host name could not be resolved right now',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  UND_ERR_SOCKET: 'the connection was closed',
};

/** The network error code carried by err or its causes, if any. */
export function networkCode(err: unknown): string | undefined {
  let e: unknown = err;
  for (let depth = 0; depth < 5 && e && typeof e === 'object'; depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code in NETWORK_CODES) return code;
    e = (e as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Words for a network error code (e.g. 'the connection was refused' for ECONNREFUSED), if known. */
export function networkWords(code: string): string | undefined {
  return NETWORK_CODES[code];
}

export function describeNetworkError(err: unknown, what: string): string | undefined {
  const code = networkCode(err);
  return code ? `Cannot reach ${what}: ${NETWORK_CODES[code]} (${code}).` : undefined;
}

/** HTTP status carried by an error from client-node (ApiException.code) or our own clients. */
export function httpStatus(err: unknown): number | undefined {
  const e = err as { code?: unknown; status?: unknown; statusCode?: unknown } | undefined;
  for (const v of [e?.code, e?.status, e?.statusCode]) if (typeof v === 'number' && v >= 100 && v < 600) return v;
  return undefined;
}

/** The Kubernetes Status message inside a client-node ApiException body, if any. */
export function kubeStatusMessage(err: unknown): string | undefined {
  const body = (err as { body?: unknown } | undefined)?.body;
  let parsed: unknown = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body.trim() || undefined;
    }
  }
  const msg = (parsed as { message?: unknown } | undefined)?.message;
  return typeof msg === 'string' ? msg : undefined;
}

/** A one-line message for any error, for notifications. */
export function describeError(err: unknown): string {
  if (err instanceof UserError) return err.message;
  if (isCancellation(err)) return 'Cancelled.';
  const net = describeNetworkError(err, 'the server');
  if (net) return net;
  const status = httpStatus(err);
  const kubeMsg = kubeStatusMessage(err);
  if (status && kubeMsg) return `${firstLine(kubeMsg)} (HTTP ${status})`;
  // client-node's ApiException message carries the whole response body and headers: never show those.
  if (status) return `The server answered HTTP ${status}${err instanceof Error && !/^HTTP-Code:/.test(err.message) ? `: ${firstLine(err.message)}` : ''}.`;
  if (err instanceof Error) return err.message;
  return String(err);
}

function firstLine(s: string): string {
  const line = s.split('\n')[0].trim();
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}
