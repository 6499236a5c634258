// A validator for the subset of JSON Schema (draft-07) that manifests/chaos/experiment.schema.json uses, so
// the schema file is the one definition of a *.chaos.yaml: the extension's diagnostics, the CLI and (through
// `yamlValidation`) a YAML language server all check the same thing. A keyword this validator does not know
// is an error at load time, not a silent pass (a unit test loads the real schema).

export type JsonPath = (string | number)[];

export interface SchemaProblem {
  path: JsonPath;
  message: string;
}

export interface Schema {
  type?: 'object' | 'array' | 'string' | 'number' | 'integer' | 'boolean';
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  additionalProperties?: boolean;
  minProperties?: number;
  maxProperties?: number;
  items?: Schema;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  pattern?: string;
  maxLength?: number;
  description?: string;
  title?: string;
  $schema?: string;
  $id?: string;
}

const KNOWN = new Set([
  'type', 'const', 'enum', 'properties', 'required', 'additionalProperties', 'minProperties', 'maxProperties', 'items', 'minItems',
  'maxItems', 'uniqueItems', 'minimum', 'maximum', 'exclusiveMinimum', 'pattern', 'maxLength', 'description', 'title', '$schema', '$id',
]);

/** Throws when the schema uses a keyword this validator would ignore. */
export function assertSupported(schema: Schema, at = '#'): void {
  for (const k of Object.keys(schema)) if (!KNOWN.has(k)) throw new Error(`schema keyword "${k}" at ${at} is not supported by the validator`);
  for (const [k, s] of Object.entries(schema.properties ?? {})) assertSupported(s, `${at}/properties/${k}`);
  if (schema.items) assertSupported(schema.items, `${at}/items`);
}

export function formatPath(path: JsonPath): string {
  if (!path.length) return '(top level)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v));

/** The closest of `names` to `word` when it is a plausible typo (edit distance ≤ 2). */
export function closest(word: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const n of names) {
    const d = distance(word.toLowerCase(), n.toLowerCase());
    if (d < bestD) (best = n), (bestD = d);
  }
  return best;
}

function distance(a: string, b: string): number {
  const dp = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array(b.length).fill(0)] as number[]);
  for (let j = 1; j <= b.length; j++) dp[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) dp[i][j] = Math.min(dp[i - 1][j] + 1, dp[i][j - 1] + 1, dp[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
  }
  return dp[a.length][b.length];
}

/** Validates value against schema; returns every problem found, each with the path of the offending value. */
export function validate(schema: Schema, value: unknown, path: JsonPath = []): SchemaProblem[] {
  const out: SchemaProblem[] = [];
  const at = formatPath(path);
  const problem = (message: string, p: JsonPath = path) => out.push({ path: p, message });
  if (schema.const !== undefined && value !== schema.const) {
    problem(`${at} must be ${show(schema.const)}, not ${show(value)}.`);
    return out;
  }
  if (schema.enum && !schema.enum.includes(value)) {
    const hint = typeof value === 'string' ? closest(value, schema.enum.filter((e): e is string => typeof e === 'string')) : undefined;
    problem(`${at} is ${show(value)}: use one of ${schema.enum.map(String).join(', ')}.${hint ? ` Did you mean ${hint}?` : ''}`);
    return out;
  }
  if (schema.type) {
    const t = typeOf(value);
    const ok = schema.type === 'integer' ? typeof value === 'number' && Number.isInteger(value) : schema.type === 'number' ? typeof value === 'number' && Number.isFinite(value) : t === schema.type;
    if (!ok) {
      const wanted = schema.type === 'integer' ? 'a whole number' : schema.type === 'object' ? 'a mapping' : schema.type === 'array' ? 'a list' : `a ${schema.type}`;
      problem(`${at} must be ${wanted}, not ${t === 'object' ? 'a mapping' : t === 'array' ? 'a list' : show(value)}.`);
      return out;
    }
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) problem(`${at} is ${value}: it must be at least ${schema.minimum}.`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) problem(`${at} is ${value}: it must be greater than ${schema.exclusiveMinimum}.`);
    if (schema.maximum !== undefined && value > schema.maximum) problem(`${at} is ${value}: it must be at most ${schema.maximum}.`);
  }
  if (typeof value === 'string') {
    if (schema.maxLength !== undefined && [...value].length > schema.maxLength) problem(`${at} is longer than ${schema.maxLength} characters.`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value)) problem(`${at} is ${show(value)}, which does not match ${schema.pattern}.`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems) problem(`${at} needs at least ${schema.minItems} item${schema.minItems === 1 ? '' : 's'} (has ${value.length}).`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems) problem(`${at} has ${value.length} items: at most ${schema.maxItems}.`);
    if (schema.uniqueItems) {
      const seen = new Set<string>();
      value.forEach((v, i) => {
        const key = JSON.stringify(v);
        if (seen.has(key)) problem(`${formatPath([...path, i])} repeats ${show(v)}.`, [...path, i]);
        seen.add(key);
      });
    }
    if (schema.items) value.forEach((v, i) => out.push(...validate(schema.items!, v, [...path, i])));
  }
  if (typeOf(value) === 'object') {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    const props = schema.properties ?? {};
    for (const r of schema.required ?? []) if (!(r in obj)) problem(`${at} is missing "${r}".`);
    if (schema.additionalProperties === false) {
      for (const k of keys) {
        if (k in props) continue;
        const hint = closest(k, Object.keys(props));
        problem(`${formatPath([...path, k])} is not a field of ${at === '(top level)' ? 'an experiment' : at}${hint ? `: did you mean "${hint}"?` : ` (fields: ${Object.keys(props).join(', ')}).`}`, [...path, k]);
      }
    }
    if (schema.minProperties !== undefined && keys.length < schema.minProperties) problem(`${at} needs ${schema.minProperties === 1 && schema.maxProperties === 1 ? 'exactly one' : `at least ${schema.minProperties}`} of ${Object.keys(props).join(', ')}.`);
    if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) problem(`${at} has ${keys.join(', ')}: ${schema.maxProperties === 1 ? 'give only one' : `at most ${schema.maxProperties}`}.`);
    for (const [k, s] of Object.entries(props)) if (k in obj) out.push(...validate(s, obj[k], [...path, k]));
  }
  return out;
}
