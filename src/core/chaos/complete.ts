// Completion for *.chaos.yaml from the experiment schema, for editors without a YAML language server
// (code-server has none): at a key position the fields of the enclosing mapping that are not there yet, each
// with its description; after `key: ` the values an enum or const allows. The enclosing mapping is found from
// indentation, the way a person reads block YAML (flow mappings `{…}` get no key completion).
import type { Schema } from './schema';

export interface Completion {
  label: string;
  /** What is inserted (a key gets ": " or a new indented line for mappings). */
  insertText: string;
  detail?: string;
  documentation?: string;
  kind: 'field' | 'value';
  required?: boolean;
}

const indentOf = (line: string) => line.length - line.trimStart().length;
const KEY = /^(\s*)(?:-\s+)?([A-Za-z_$][\w$-]*)\s*:(.*)$/;

function schemaAt(root: Schema, path: string[]): Schema | undefined {
  let s: Schema | undefined = root;
  for (const p of path) {
    s = s?.properties?.[p];
    if (!s) return undefined;
  }
  return s;
}

function typeHint(s: Schema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.join(' | ');
  if (s.type === 'array') return `list of ${s.items?.type ?? 'values'}`;
  if (s.type === 'object') return 'mapping';
  return s.type ?? '';
}

/** The completions at a 0-based line and character of the text. */
export function completionsAt(root: Schema, text: string, line: number, character: number): Completion[] {
  const lines = text.split('\n');
  const current = lines[line] ?? '';
  const before = current.slice(0, character);
  // After "key: " on this line: the key's values.
  const kv = KEY.exec(before);
  if (kv && before.includes(':')) {
    const path = [...parentPath(lines, line, indentOf(current)), kv[2]];
    const s = schemaAt(root, path);
    if (!s) return [];
    const values = s.const !== undefined ? [s.const] : (s.enum ?? (s.type === 'boolean' ? [true, false] : []));
    return values.map((v) => ({ label: String(v), insertText: String(v), kind: 'value', detail: s.description }));
  }
  // A key position: only whitespace (or a partial word) before the cursor.
  if (!/^\s*[\w$-]*$/.test(before)) return [];
  const indent = indentOf(current);
  const path = parentPath(lines, line, indent);
  const s = schemaAt(root, path);
  if (!s?.properties) return [];
  const present = siblingKeys(lines, line, indent);
  const required = new Set(s.required ?? []);
  const childIndent = ' '.repeat(indent + 2);
  return Object.entries(s.properties)
    .filter(([k]) => !present.has(k))
    .sort(([a], [b]) => Number(required.has(b)) - Number(required.has(a)) || Object.keys(s.properties!).indexOf(a) - Object.keys(s.properties!).indexOf(b))
    .map(([k, p]) => ({
      label: k,
      insertText: p.type === 'object' ? `${k}:\n${childIndent}` : p.const !== undefined ? `${k}: ${String(p.const)}` : `${k}: `,
      detail: `${required.has(k) ? 'required · ' : ''}${typeHint(p)}`,
      documentation: p.description,
      kind: 'field',
      required: required.has(k),
    }));
}

/** The keys of the mappings that enclose a line at `indent` (nearest lines above with less indentation). */
function parentPath(lines: string[], line: number, indent: number): string[] {
  const path: string[] = [];
  let limit = indent;
  for (let i = line - 1; i >= 0 && limit > 0; i--) {
    const l = lines[i];
    if (!l.trim() || l.trimStart().startsWith('#')) continue;
    const m = KEY.exec(l);
    const ind = indentOf(l);
    if (ind < limit) {
      if (!m) return path;
      // `key:` with nothing after it opens a block mapping; `key: value` cannot enclose anything.
      if (m[3].trim() && !m[3].trim().startsWith('#')) return path;
      path.unshift(m[2]);
      limit = ind;
    }
  }
  return path;
}

/** Keys already present at the same indentation in the same mapping (above and below the line). */
function siblingKeys(lines: string[], line: number, indent: number): Set<string> {
  const keys = new Set<string>();
  const scan = (from: number, step: number) => {
    for (let i = from; i >= 0 && i < lines.length; i += step) {
      const l = lines[i];
      if (!l.trim() || l.trimStart().startsWith('#')) continue;
      const ind = indentOf(l);
      if (ind < indent) return;
      if (ind === indent) {
        const m = KEY.exec(l);
        if (m) keys.add(m[2]);
      }
    }
  };
  scan(line - 1, -1);
  scan(line + 1, 1);
  return keys;
}
