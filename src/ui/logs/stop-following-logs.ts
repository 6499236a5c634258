// "Sock Shop: Stop Following Logs": stops following every Deployment's logs; their channels stay open.
import * as vscode from 'vscode';
import type { Registry } from '../registry';
import { followedDeployments } from './shared';

export function registerStopFollowingLogs(reg: Registry): void {
  const following = followedDeployments(reg);
  reg.command('sockShop.stopFollowingLogs', () => {
    // The channels stay open to read; Show Deployment Logs reuses them.
    for (const f of following.values()) {
      f.logs.stop();
      f.channel.appendLine(`=== stopped following ${new Date().toISOString()}`);
    }
    void vscode.commands.executeCommand('setContext', 'sockShop.followingLogs', false);
  });
}
