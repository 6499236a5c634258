// The one way the UI reads `sockShop.*` settings: typed, defaults from src/core/settings.ts, and the
// machine-scoped ones from user settings only. A workspace value that is ignored is logged once per key.
import * as vscode from 'vscode';
import { resolveSetting, type SettingKey, type SettingValue } from '../core/settings';

const SECTION = 'sockShop';
const reported = new Set<string>();
let logger: { warn(message: string): void } | undefined;

/** Where ignored workspace values are reported (the extension's log). */
export function setSettingsLog(log: { warn(message: string): void }): void {
  logger = log;
}

export function setting<K extends SettingKey>(key: K): SettingValue<K> {
  const r = resolveSetting(key, vscode.workspace.getConfiguration(SECTION).inspect(key));
  if (r.ignored) {
    const note = `settings: ${r.ignored}`;
    if (!reported.has(note)) {
      reported.add(note);
      logger?.warn(note);
    }
  }
  return r.value;
}

/** True when a configuration change event touches this setting. */
export function affects(e: vscode.ConfigurationChangeEvent, key: SettingKey): boolean {
  return e.affectsConfiguration(`${SECTION}.${key}`);
}

/** Writes a setting to user settings (never to the workspace). */
export async function updateUserSetting<K extends SettingKey>(key: K, value: SettingValue<K> | undefined): Promise<void> {
  await vscode.workspace.getConfiguration(SECTION).update(key, value, vscode.ConfigurationTarget.Global);
}
