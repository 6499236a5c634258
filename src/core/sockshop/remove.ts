// "Sock Shop: Remove": delete the namespace and wait until it is gone. Refuses the namespaces the
// cluster itself needs.
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { CancelledError, isCancellation, UserError } from '../errors';
import { sleep as delay } from '../async';
import { apiClient, is404 } from '../kube/client';
import { clusterProblem } from '../kube/errors';
import { PROTECTED_NAMESPACES } from './manifests';

export interface RemoveOptions {
  signal?: AbortSignal;
  timeoutMs?: number;
  pollMs?: number;
  onProgress?: (message: string) => void;
}

export interface RemoveResult {
  /** False when the namespace did not exist. */
  existed: boolean;
  elapsedMs: number;
}

export function assertRemovable(namespace: string): void {
  if (PROTECTED_NAMESPACES.has(namespace)) {
    throw new UserError(`Refusing to delete namespace ${namespace}: the cluster needs it. Sock Shop lives in its own namespace (sock-shop).`, 'Protected');
  }
}

export async function removeSockShop(kc: KubeConfig, namespace: string, options: RemoveOptions = {}): Promise<RemoveResult> {
  assertRemovable(namespace);
  const core = apiClient(kc, CoreV1Api);
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? 300_000;
  try {
    await core.deleteNamespace({ name: namespace, propagationPolicy: 'Foreground' });
  } catch (err) {
    if (is404(err)) return { existed: false, elapsedMs: Date.now() - started };
    throw clusterProblem(err, kc) ?? err;
  }
  options.onProgress?.(`Deleting namespace ${namespace}`);
  for (;;) {
    if (options.signal?.aborted) throw new CancelledError();
    let remaining: string | undefined;
    try {
      const ns = await core.readNamespace({ name: namespace });
      remaining = ns.status?.conditions
        ?.filter((c) => c.status === 'True' && /Remaining|Failure|Failed/.test(c.type ?? ''))
        .map((c) => c.message)
        .join('; ');
    } catch (err) {
      if (is404(err)) return { existed: true, elapsedMs: Date.now() - started };
      if (isCancellation(err)) throw new CancelledError();
      throw clusterProblem(err, kc) ?? err;
    }
    if (Date.now() - started > timeoutMs) {
      throw new UserError(
        `Namespace ${namespace} is still being deleted after ${Math.round(timeoutMs / 1000)} s` + (remaining ? `: ${remaining}` : '.'),
        'Timeout',
      );
    }
    if (remaining) options.onProgress?.(remaining);
    await delay(options.pollMs ?? 250, options.signal);
  }
}
