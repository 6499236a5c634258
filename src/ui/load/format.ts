// What the Load commands write to the log, where their reports go, and a finished run as the panel shows it.
import * as vscode from 'vscode';
import type { RunSummary } from '../../common/contracts/load';
import type { LiveStats, LoadReport } from '../../core/load/types';

/** A load engine's report (of a load run or a chaos experiment's load) as the Load panel's summary. */
export function summaryOf(r: Omit<LoadReport, 'timeline' | 'spec'>, reportPath?: string): RunSummary {
  return {
    endReason: r.endReason,
    requests: r.requests,
    failures: r.failures,
    failPercent: r.failPercent,
    rps: r.rps,
    p50Ms: r.latencyMs.p50,
    p95Ms: r.latencyMs.p95,
    p99Ms: r.latencyMs.p99,
    statuses: r.statuses,
    failuresByCause: r.failuresByCause,
    reportPath,
  };
}

export function statsLine(s: LiveStats): string {
  return `${s.elapsedSeconds}s ${s.rps} req/s, ${s.failPercent}% failed, p50 ${s.p50Ms} ms, p95 ${s.p95Ms} ms, p99 ${s.p99Ms} ms, ${s.activeUsers} active, ${s.totalRequests} total`;
}

/** The first workspace folder, where reports are saved (none: the report is not saved). */
export function workspaceDir(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}
