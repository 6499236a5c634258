// Activation entry point. Kept tiny on purpose: it registers every contributed command and view
// with a lazy stand-in and loads the real implementation (dist/main.js, which bundles
// @kubernetes/client-node) only on first use, through V8's code cache (src/core/codecache.ts).
import * as vscode from 'vscode';
import { activateLazily } from './ui/lazy';

export function activate(context: vscode.ExtensionContext): void {
  activateLazily(context);
}

export function deactivate(): void {
  // Disposables registered on context.subscriptions are disposed by VS Code.
}
