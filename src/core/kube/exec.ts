// Exec into a pod's container through the API server (`kubectl exec`), for "Open Shell" and for one-off
// commands: client-node's Exec over a WebSocket, with the exit status from the v1 Status it reports.
import { PassThrough, Writable, type Readable } from 'node:stream';
import { Exec, type KubeConfig, type V1Status } from '@kubernetes/client-node';
import { UserError } from '../errors';
import { clusterProblem } from './errors';

export interface ExecSession {
  /** Resolves with the exit code (0 when the Status says Success) once the command ends. */
  readonly exit: Promise<number>;
  close(): void;
}

/** The exit code in an exec Status ("command terminated with non-zero exit code" carries it in details.causes). */
export function exitCodeOf(s: V1Status | undefined): number {
  if (!s || s.status === 'Success') return 0;
  const cause = s.details?.causes?.find((c) => c.reason === 'ExitCode');
  const n = Number(cause?.message);
  return Number.isInteger(n) ? n : 1;
}

/** Says clearly when a container has no such program (a distroless image has no shell). */
export function noProgram(s: V1Status | undefined, command: string): string | undefined {
  const m = s?.message ?? '';
  if (/executable file not found|no such file or directory|not found in \$PATH/i.test(m)) return `The container has no ${command} (${m.trim()}).`;
  return undefined;
}

export async function execInPod(
  kc: KubeConfig,
  o: { namespace: string; pod: string; container: string; command: string[]; stdin?: Readable; stdout: Writable; stderr?: Writable; tty?: boolean },
): Promise<ExecSession> {
  let resolveExit!: (n: number) => void;
  let rejectExit!: (e: unknown) => void;
  const exit = new Promise<number>((res, rej) => ((resolveExit = res), (rejectExit = rej)));
  let ws: { close(): void } | undefined;
  try {
    ws = (await new Exec(kc).exec(o.namespace, o.pod, o.container, o.command, o.stdout, o.stderr ?? o.stdout, o.stdin ?? null, o.tty ?? false, (status: V1Status) => {
      const missing = noProgram(status, o.command[0]);
      if (missing) rejectExit(new UserError(missing, 'NotFound'));
      else resolveExit(exitCodeOf(status));
    })) as unknown as { close(): void; on?(ev: string, cb: () => void): void };
    (ws as { on?(ev: string, cb: () => void): void }).on?.('close', () => resolveExit(0));
  } catch (err) {
    throw clusterProblem(err, kc) ?? new UserError(`Exec into ${o.namespace}/${o.pod} (${o.container}) failed: ${(err as Error)?.message ?? err}`, 'ApiError');
  }
  return { exit, close: () => ws?.close() };
}

/** Runs a command to its end and returns what it printed (stdout and stderr together) and its exit code. */
export async function execOnce(kc: KubeConfig, o: { namespace: string; pod: string; container: string; command: string[] }): Promise<{ output: string; code: number }> {
  const chunks: Buffer[] = [];
  const out = new PassThrough();
  out.on('data', (c: Buffer) => chunks.push(c));
  const s = await execInPod(kc, { ...o, stdout: out });
  const code = await s.exit;
  return { output: Buffer.concat(chunks).toString('utf8'), code };
}
