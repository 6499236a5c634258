// Parsing and bounding what users type for a load run (the UI asks, this checks).
import { UserError } from '../errors';
import type { LoadSpec } from './types';

/** "somecookie=rawr; b=2" (ab -C style, ';' or ',' separated) → ["somecookie=rawr", "b=2"]. */
export function parseCookies(text: string): string[] {
  const parts = text
    .split(/[;,]/)
    .map((s) => s.trim())
    .filter(Boolean);
  for (const p of parts) {
    if (!/^[^=\s]+=[^\s]*$/.test(p)) throw new UserError(`"${p}" is not a cookie (expected name=value).`, 'BadInput');
  }
  return parts;
}

/** "X-A: 1, X-B: two" → { 'X-A': '1', 'X-B': 'two' }. */
export function parseHeaders(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(/\n|,(?=\s*[A-Za-z0-9-]+\s*:)/)) {
    const p = part.trim();
    if (!p) continue;
    const colon = p.indexOf(':');
    if (colon <= 0) throw new UserError(`"${p}" is not a header (expected Name: value).`, 'BadInput');
    const name = p.slice(0, colon).trim();
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(name)) throw new UserError(`"${name}" is not a valid header name.`, 'BadInput');
    out[name] = p.slice(colon + 1).trim();
  }
  return out;
}

/** "5,15", "5-15", "between(5, 15)" → [5, 15]. */
export function parseBetween(text: string): [number, number] {
  const m = /^\s*(?:between\s*\(\s*)?([\d.]+)\s*(?:,|-|\s)\s*([\d.]+)\s*\)?\s*$/.exec(text);
  const a = m ? Number(m[1]) : NaN;
  const b = m ? Number(m[2]) : NaN;
  if (!(a >= 0 && b >= a)) throw new UserError(`"${text}" is not a wait range (expected min,max in seconds, e.g. 5,15).`, 'BadInput');
  return [a, b];
}

/** Decimal digits with an optional sign and fraction: no exponent ("1e1"), no hex/octal/binary ("0x10"), no "Infinity". */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;
const WHOLE = /^[+-]?\d+$/;

/** The number typed, when it is written in plain decimal digits (`Number` alone takes "1e1", "0x10" and ""). */
export function parseDecimal(text: string, opts: { integer?: boolean } = {}): number | undefined {
  const t = text.trim();
  return (opts.integer ? WHOLE : DECIMAL).test(t) ? Number(t) : undefined;
}

/** A positive number, optionally an integer, at most max. Returns an error message or undefined (for input boxes). */
export function checkNumber(text: string, opts: { integer?: boolean; min?: number; max?: number } = {}): string | undefined {
  const t = text.trim();
  if (opts.integer && DECIMAL.test(t) && !WHOLE.test(t)) return 'Enter a whole number.';
  const v = parseDecimal(t, opts);
  if (v === undefined || !Number.isFinite(v)) return opts.integer ? 'Enter a whole number (digits only, e.g. 10).' : 'Enter a number in decimal digits (e.g. 10 or 2.5).';
  if (v < (opts.min ?? 1e-9)) return `Enter at least ${opts.min ?? 'a positive number'}.`;
  if (opts.max !== undefined && v > opts.max) return `At most ${opts.max} (settings bound).`;
  return undefined;
}

export interface Bounds {
  maxRequests: number;
  maxDurationSeconds: number;
}

/** Applies the settings' bounds: the run's own bounds never exceed them. */
export function applyBounds(spec: LoadSpec, bounds: Bounds): LoadSpec {
  const maxRequests = Math.max(1, Math.min(spec.maxRequests, bounds.maxRequests));
  const maxDurationSeconds = Math.max(1, Math.min(spec.maxDurationSeconds, bounds.maxDurationSeconds));
  return { ...spec, maxRequests, maxDurationSeconds };
}

/** Normalizes a user-typed target to an http URL ("1.2.3.4" → "http://1.2.3.4/"). */
export function normalizeTarget(text: string): string {
  const t = text.trim();
  if (!t) throw new UserError('Enter the front-end address.', 'BadInput');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? t : `http://${t}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw new UserError(`"${text}" is not an address.`, 'BadInput');
  }
  if (u.protocol !== 'http:') throw new UserError(`Only http:// targets are supported (got ${u.protocol}//).`, 'BadInput');
  return u.toString();
}
