// Checks for messages that cross a trust boundary (a webview posting to the extension host): each field's
// type and range, so a malformed or hostile message is dropped with a reason instead of reaching a handler.
// Plain TypeScript with no imports: both the host and the webview bundles may use it.

export type Checked<T> = { ok: true; value: T } | { ok: false; error: string };

/** A field check: returns undefined when the value is acceptable, else what is wrong with it. */
export type FieldCheck = (v: unknown) => string | undefined;

export const str =
  (opts: { max?: number; pattern?: RegExp; oneOf?: readonly string[] } = {}): FieldCheck =>
  (v) => {
    if (typeof v !== 'string') return 'must be a string';
    if (v.length > (opts.max ?? 1024)) return `must be at most ${opts.max ?? 1024} characters`;
    if (opts.oneOf && !opts.oneOf.includes(v)) return `must be one of ${opts.oneOf.join(', ')}`;
    if (opts.pattern && !opts.pattern.test(v)) return 'has an unexpected form';
    return undefined;
  };

export const int =
  (min: number, max: number, opts: { oneOf?: readonly number[] } = {}): FieldCheck =>
  (v) => {
    if (typeof v !== 'number' || !Number.isInteger(v)) return 'must be a whole number';
    if (v < min || v > max) return `must be between ${min} and ${max}`;
    if (opts.oneOf && !opts.oneOf.includes(v)) return `must be one of ${opts.oneOf.join(', ')}`;
    return undefined;
  };

export const num =
  (min: number, max: number): FieldCheck =>
  (v) => (typeof v !== 'number' || !Number.isFinite(v) ? 'must be a finite number' : v < min || v > max ? `must be between ${min} and ${max}` : undefined);

export const bool: FieldCheck = (v) => (typeof v === 'boolean' ? undefined : 'must be true or false');

export const strOrList =
  (opts: { max?: number; maxItems?: number } = {}): FieldCheck =>
  (v) => {
    if (typeof v === 'string') return str(opts)(v);
    if (!Array.isArray(v)) return 'must be a string or a list of strings';
    if (v.length > (opts.maxItems ?? 1000)) return `must have at most ${opts.maxItems ?? 1000} items`;
    for (const x of v) {
      const e = str(opts)(x);
      if (e) return `items ${e.replace(/^must/, 'must each')}`;
    }
    return undefined;
  };

/**
 * Checks `m` against a table of message types: `schema[type]` lists the required fields and their checks.
 * Fields not in the table are not allowed (a typo or an injected field is an error, not silently ignored).
 */
export function checkMessage<T>(m: unknown, schema: Record<string, Record<string, FieldCheck>>, common: Record<string, FieldCheck> = {}): Checked<T> {
  if (!m || typeof m !== 'object' || Array.isArray(m)) return { ok: false, error: 'a message must be an object' };
  const type = (m as { type?: unknown }).type;
  if (typeof type !== 'string' || !Object.prototype.hasOwnProperty.call(schema, type)) {
    return { ok: false, error: `unknown message type ${typeof type === 'string' ? `"${type.slice(0, 40)}"` : `(${typeof type})`}` };
  }
  const fields = { ...common, ...schema[type] };
  for (const [name, check] of Object.entries(fields)) {
    const v = (m as Record<string, unknown>)[name];
    if (v === undefined) return { ok: false, error: `${type}: field "${name}" is missing` };
    const e = check(v);
    if (e) return { ok: false, error: `${type}: field "${name}" ${e}` };
  }
  for (const name of Object.keys(m)) {
    if (name !== 'type' && !(name in fields)) return { ok: false, error: `${type}: unexpected field "${name.slice(0, 40)}"` };
  }
  return { ok: true, value: m as T };
}
