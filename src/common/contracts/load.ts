// The one message contract between the Load panel's extension-host side (src/ui/load) and its webview
// (src/webview/load). Type-only imports, so the webview bundle pulls no host code.
import type { EndpointStats, LiveStats } from '../../core/load/types';
import type { FaultMarker } from './markers';

export type { EndpointStats, LiveStats };
import { checkMessage, int, str, type Checked, type FieldCheck } from '../validate';

/** What the panel shows about the run in progress. */
export interface RunInfo {
  id: number;
  title: string;
  target: string;
  model: string;
  /** 'engine' (our load engine), 'locust' (a Locust master, e.g. in the cluster), 'experiment' (a chaos experiment's load). */
  source: 'engine' | 'locust' | 'experiment';
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

/** A fault on the run's timeline (a chaos experiment's kill, a steady-state breach). */
export type RunMarker = FaultMarker;

/** Ready and desired replicas of each target at one moment (the experiment's per-second readiness lane). */
export interface ReadinessSample {
  /** Epoch ms. */
  time: number;
  ready: Record<string, { ready: number; desired: number }>;
}

export type HostMessage =
  | { type: 'start'; run: RunInfo }
  | { type: 'marker'; runId: number; marker: RunMarker }
  | { type: 'readiness'; runId: number; sample: ReadinessSample }
  | { type: 'reply'; requestId: number; ok: boolean; error?: string }
  | { type: 'stats'; runId: number; stats: LiveStats }
  | { type: 'phase'; runId: number; message: string }
  | { type: 'done'; runId: number; summary: RunSummary }
  | { type: 'error'; runId: number; message: string };

export type WebviewRequest = { type: 'ready' } | { type: 'stop' } | { type: 'openReport'; path: string } | { type: 'runAgain' };
/** Every request carries an id; the host answers each with a 'reply' (ok, or the error to show). */
export type WebviewMessage = WebviewRequest & { requestId: number };

const REQUESTS: Record<WebviewRequest['type'], Record<string, FieldCheck>> = {
  ready: {},
  stop: {},
  runAgain: {},
  openReport: { path: str({ max: 4096 }) },
};

/** The message, checked against the contract. Where a report path may point is the host's rule (reportPathAllowed). */
export function checkWebviewMessage(m: unknown): Checked<WebviewMessage> {
  return checkMessage<WebviewMessage>(m, REQUESTS, { requestId: int(0, Number.MAX_SAFE_INTEGER) });
}


/** What the webview keeps across reloads (getState/setState). */
export interface WebviewSavedState {
  run?: RunInfo;
  timeline: LiveStats[];
  markers?: RunMarker[];
  readiness?: ReadinessSample[];
  summary?: RunSummary;
  phase?: string;
  error?: string;
}

/** Keep at most this many samples in the charts (one per second: an hour). */
export const MAX_SAMPLES = 3600;
