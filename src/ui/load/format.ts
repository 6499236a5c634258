// What the Load commands write to the log, and where their reports go.
import * as vscode from 'vscode';
import type { LiveStats } from '../../core/load/types';

export function statsLine(s: LiveStats): string {
  return `${s.elapsedSeconds}s ${s.rps} req/s, ${s.failPercent}% failed, p50 ${s.p50Ms} ms, p95 ${s.p95Ms} ms, p99 ${s.p99Ms} ms, ${s.activeUsers} active, ${s.totalRequests} total`;
}

/** The first workspace folder, where reports are saved (none: the report is not saved). */
export function workspaceDir(): string | undefined {
  return vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
}
