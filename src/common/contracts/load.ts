// The one message contract between the Load panel's extension-host side (src/ui/load) and its webview
// (src/webview/load). Type-only imports, so the webview bundle pulls no host code.
import type { EndpointStats, LiveStats } from '../../core/load/types';

export type { EndpointStats, LiveStats };
import { checkMessage, str, type Checked, type FieldCheck } from '../validate';

/** What the panel shows about the run in progress. */
export interface RunInfo {
  id: number;
  title: string;
  target: string;
  model: string;
  /** 'engine' (our load engine) or 'locust' (a Locust master, e.g. in the cluster). */
  source: 'engine' | 'locust';
  startedAt: number;
}

export interface RunSummary {
  endReason: string;
  requests: number;
  failures: number;
  failPercent: number;
  rps: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  statuses: Record<string, number>;
  failuresByCause: Record<string, number>;
  reportPath?: string;
}

export type HostMessage =
  | { type: 'start'; run: RunInfo }
  | { type: 'stats'; runId: number; stats: LiveStats }
  | { type: 'phase'; runId: number; message: string }
  | { type: 'done'; runId: number; summary: RunSummary }
  | { type: 'error'; runId: number; message: string };

export type WebviewMessage = { type: 'ready' } | { type: 'stop' } | { type: 'openReport'; path: string } | { type: 'runAgain' };

const REQUESTS: Record<WebviewMessage['type'], Record<string, FieldCheck>> = {
  ready: {},
  stop: {},
  runAgain: {},
  openReport: { path: str({ max: 4096 }) },
};

/** The message, checked against the contract. Where a report path may point is the host's rule (reportPathAllowed). */
export function checkWebviewMessage(m: unknown): Checked<WebviewMessage> {
  return checkMessage<WebviewMessage>(m, REQUESTS);
}


/** What the webview keeps across reloads (getState/setState). */
export interface WebviewSavedState {
  run?: RunInfo;
  timeline: LiveStats[];
  summary?: RunSummary;
  phase?: string;
  error?: string;
}

/** Keep at most this many samples in the charts (one per second: an hour). */
export const MAX_SAMPLES = 3600;
