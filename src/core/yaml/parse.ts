// Multi-document YAML parsing with line-accurate problems, for manifests users edit.
// Lines and columns are 1-based (as editors show them); the UI turns them into diagnostics.
import { isMap, LineCounter, parseAllDocuments } from 'yaml';
import type { Document, Node } from 'yaml';
import { UserError } from '../errors';

export interface YamlProblem {
  message: string;
  /** 1-based line and column where the problem starts. */
  line: number;
  column: number;
  /** 1-based end position (same as the start when unknown). */
  endLine: number;
  endColumn: number;
  severity: 'error' | 'warning';
  /** A short code: the yaml library's error code, or one of ours (NotAnObject, MissingKind, ...). */
  code: string;
}

export interface ParsedDocument {
  /** 0-based index of the document in the file (empty documents are counted too). */
  index: number;
  /** 1-based line where the document's content starts. */
  line: number;
  /** The document as plain data (null for an empty document). */
  value: unknown;
}

export interface ParseResult {
  documents: ParsedDocument[];
  problems: YamlProblem[];
}

type Pos = { line: number; col: number };

function problemAt(
  lc: LineCounter,
  range: [number, number] | readonly number[] | undefined,
  message: string,
  code: string,
  severity: 'error' | 'warning' = 'error',
): YamlProblem {
  const start: Pos = range ? lc.linePos(range[0]) : { line: 1, col: 1 };
  const end: Pos = range ? lc.linePos(Math.max(range[0], (range[1] ?? range[0]))) : start;
  return { message, line: start.line, column: start.col, endLine: end.line, endColumn: end.col, severity, code };
}

/**
 * Parses every document of a YAML stream. Syntax errors (and duplicate keys) come back as problems
 * with their line; the documents are returned either way, so callers decide (apply nothing when any
 * problem is an error).
 */
export function parseYamlDocuments(text: string): ParseResult {
  const { documents, problems } = parseInternal(text);
  return { documents, problems };
}

function parseInternal(text: string): ParseResult & { nodes: Document.Parsed[]; lineCounter: LineCounter } {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  const problems: YamlProblem[] = [];
  const documents: ParsedDocument[] = [];
  // parseAllDocuments returns an EmptyStream (an array with .empty) for a stream with no documents.
  const list = Array.isArray(docs) ? (docs as Document.Parsed[]) : [];
  list.forEach((doc, index) => {
    for (const e of doc.errors) {
      problems.push(fromLibraryError(lineCounter, e, 'error', text));
    }
    for (const w of doc.warnings) {
      problems.push(fromLibraryError(lineCounter, w, 'warning'));
    }
    const contents = doc.contents as Node | null;
    const start = contents?.range?.[0] ?? doc.range?.[0] ?? 0;
    let value: unknown = null;
    if (doc.errors.length === 0) {
      try {
        value = doc.toJS({ maxAliasCount: 100 });
      } catch (err) {
        problems.push(problemAt(lineCounter, contents?.range ?? undefined, (err as Error).message, 'Conversion'));
      }
    }
    documents.push({ index, line: lineCounter.linePos(start).line, value });
  });
  return { documents, problems, nodes: list, lineCounter };
}

function fromLibraryError(
  lc: LineCounter,
  e: { message: string; code: string; pos: [number, number]; linePos?: [Pos] | [Pos, Pos] },
  severity: 'error' | 'warning',
  text?: string,
): YamlProblem {
  // An unclosed quote is noticed at the end of the stream; point at the quote that opened it.
  const quote = /^Missing closing (["'])quote/.exec(e.message)?.[1];
  if (quote && text) {
    let i = text.lastIndexOf(quote, Math.min(e.pos[0], text.length) - 1);
    while (i > 0 && quote === '"' && text[i - 1] === '\\') i = text.lastIndexOf(quote, i - 2);
    if (i >= 0) {
      const start = lc.linePos(i);
      const end = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
      return { message: `Missing closing ${quote}quote`, line: start.line, column: start.col, endLine: end.line, endColumn: end.col, severity, code: e.code };
    }
  }
  // The yaml library appends a code excerpt after the first line of `message`; keep the first line.
  const message = e.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  const start = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
  const end = e.linePos?.[1] ?? lc.linePos(e.pos[1]);
  return { message, line: start.line, column: start.col, endLine: end.line, endColumn: end.col, severity, code: e.code };
}

/** A Kubernetes object as read from a manifest, with where it came from. */
export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export interface SourcedObject {
  object: ManifestObject;
  /** 1-based line of the document the object came from. */
  line: number;
  /** 0-based document index. */
  document: number;
}

export interface ManifestParseResult {
  objects: SourcedObject[];
  problems: YamlProblem[];
}

/**
 * Parses a Kubernetes manifest stream: YAML problems plus, for every non-empty document, the
 * checks any apiserver would make before looking at the content (a mapping with apiVersion, kind
 * and metadata.name). A `kind: List` is expanded into its items.
 */
export function parseManifest(text: string): ManifestParseResult {
  const { documents, problems, nodes: nodeList, lineCounter } = parseInternal(text);
  const objects: SourcedObject[] = [];
  const hasErrors = problems.some((p) => p.severity === 'error');
  for (const d of documents) {
    if (d.value === null || d.value === undefined) continue;
    const node = nodeList[d.index]?.contents as Node | null | undefined;
    const rangeOf = (key?: string): readonly number[] | undefined => {
      if (key && isMap(node)) {
        const pair = node.items.find((p) => (p.key as { value?: unknown } | null)?.value === key);
        const r = (pair?.key as Node | null | undefined)?.range ?? (pair?.value as Node | null | undefined)?.range;
        if (r) return r;
      }
      return node?.range ?? undefined;
    };
    const v = d.value as Record<string, unknown>;
    if (typeof v !== 'object' || Array.isArray(v)) {
      problems.push(problemAt(lineCounter, rangeOf(), 'A Kubernetes object must be a mapping (apiVersion, kind, metadata, ...).', 'NotAnObject'));
      continue;
    }
    if (v.kind === 'List' && Array.isArray(v.items)) {
      for (const item of v.items) {
        const checked = checkObject(item, lineCounter, rangeOf('items'));
        if ('problem' in checked) problems.push(checked.problem);
        else objects.push({ object: checked.object, line: d.line, document: d.index });
      }
      continue;
    }
    const checked = checkObject(v, lineCounter, undefined, rangeOf);
    if ('problem' in checked) problems.push(checked.problem);
    else objects.push({ object: checked.object, line: d.line, document: d.index });
  }
  problems.sort((a, b) => a.line - b.line || a.column - b.column);
  return { objects: hasErrors ? [] : objects, problems };
}

function checkObject(
  value: unknown,
  lc: LineCounter,
  fallbackRange: readonly number[] | undefined,
  rangeOf?: (key?: string) => readonly number[] | undefined,
): { object: ManifestObject } | { problem: YamlProblem } {
  const at = (key: string | undefined, message: string, code: string) => ({
    problem: problemAt(lc, rangeOf ? rangeOf(key) : fallbackRange, message, code),
  });
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    return at(undefined, 'A Kubernetes object must be a mapping (apiVersion, kind, metadata, ...).', 'NotAnObject');
  }
  const v = value as Record<string, unknown>;
  if (typeof v.apiVersion !== 'string' || !v.apiVersion) return at(undefined, 'The object has no apiVersion.', 'MissingApiVersion');
  if (typeof v.kind !== 'string' || !v.kind) return at(undefined, 'The object has no kind.', 'MissingKind');
  const md = v.metadata as Record<string, unknown> | undefined;
  if (!md || typeof md !== 'object' || Array.isArray(md)) return at(undefined, `The ${v.kind} has no metadata.`, 'MissingMetadata');
  if (typeof md.name !== 'string' || !md.name) {
    const hint = typeof md.generateName === 'string' ? ' (generateName cannot be applied; give it a name)' : '';
    return at('metadata', `The ${v.kind} has no metadata.name${hint}.`, 'MissingName');
  }
  if (md.namespace !== undefined && typeof md.namespace !== 'string') {
    return at('metadata', `metadata.namespace of ${v.kind} ${md.name} must be a string.`, 'BadNamespace');
  }
  return { object: v as ManifestObject };
}

/** Thrown when a manifest has YAML errors: nothing was applied. `problems` carry the lines. */
export class YamlSyntaxError extends UserError {
  constructor(
    readonly problems: YamlProblem[],
    readonly source = 'the manifest',
  ) {
    const first = problems.find((p) => p.severity === 'error') ?? problems[0];
    const more = problems.filter((p) => p.severity === 'error').length - 1;
    super(
      `${source} has a YAML error at line ${first.line}: ${first.message}` +
        (more > 0 ? ` (and ${more} more)` : '') +
        '. Nothing was applied.',
      'InvalidYaml',
    );
    this.name = 'YamlSyntaxError';
  }
}
