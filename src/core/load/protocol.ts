// Messages between the coordinating thread (engine.ts) and load worker threads (worker.ts).
import type { MessagePort } from 'node:worker_threads';
import { createRunner, type Share } from './runner';
import { Recorder, type StatsDelta } from './stats';

export type ToWorker = { type: 'flush'; seq: number } | { type: 'stop' };
export type FromWorker =
  | { type: 'stats'; seq: number; delta: StatsDelta }
  | { type: 'started'; at: number }
  | { type: 'done'; reason: string; delta: StatsDelta }
  | { type: 'error'; message: string };

export interface WorkerInit {
  share: Share;
}

/** Runs a share inside a worker thread, answering flush requests with interval deltas. */
export function serveShare(port: Pick<MessagePort, 'on' | 'postMessage' | 'close'>, init: WorkerInit): void {
  const rec = new Recorder();
  let runner;
  try {
    runner = createRunner(init.share, rec);
  } catch (err) {
    port.postMessage({ type: 'error', message: String((err as Error)?.message ?? err) } satisfies FromWorker);
    return;
  }
  const r = runner;
  port.on('message', (m: ToWorker) => {
    if (m.type === 'flush') port.postMessage({ type: 'stats', seq: m.seq, delta: rec.take() } satisfies FromWorker);
    else if (m.type === 'stop') r.stop();
  });
  void r.finished.then((reason) => {
    port.postMessage({ type: 'done', reason, delta: rec.take() } satisfies FromWorker);
    // Let the message go out, then let the thread end.
    setImmediate(() => port.close());
  });
  try {
    port.postMessage({ type: 'started', at: Date.now() } satisfies FromWorker);
    r.start();
  } catch (err) {
    port.postMessage({ type: 'error', message: String((err as Error)?.message ?? err) } satisfies FromWorker);
  }
}
