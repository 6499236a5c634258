// Fault knobs of the lab's DigitalOcean, switched at run time through the control endpoint
// (POST /_lab/faults) or `npm run lab -- do-fault ...`. A rule applies to the requests it matches,
// for `count` requests (or until cleared).
//
//   rate-limit  429 with DigitalOcean's error body, `ratelimit-*` headers and `Retry-After`
//   error       a 5xx (default 500) with DigitalOcean's error body
//   delay       the normal answer, `delayMs` late
//   drop        the connection is destroyed: `when: "request"` (default) before any byte of the
//               answer, `when: "response"` after the status line, headers and part of the body
//   invalid     a 200 whose body breaks the API contract (Prism turns it into a 500 VIOLATIONS)
//
// Where a fault happens: rate-limit, error, delay and invalid are answered by the fake behind Prism,
// so Prism validates them like any answer. A drop happens in front of Prism (the `api` URL), because
// Prism turns a connection the upstream drops into its own 500 ("socket hang up"); `layer: "upstream"`
// asks for that behaviour instead.

export type FaultKind = 'rate-limit' | 'error' | 'delay' | 'drop' | 'invalid';

export interface FaultRule {
  kind: FaultKind;
  /** Only requests with this method (any when absent). */
  method?: string;
  /** Only requests whose path matches: a substring, or a regular expression when it starts with `^`. */
  path?: string;
  /** How many matching requests it applies to; absent = until cleared. */
  count?: number;
  /** error: the status (500, 502, 503, 504). */
  status?: number;
  /** delay: milliseconds. */
  delayMs?: number;
  /** rate-limit: seconds in Retry-After (and until ratelimit-reset). */
  retryAfterS?: number;
  /** drop: before the answer (request) or in the middle of it (response). */
  when?: 'request' | 'response';
  /** drop: in front of Prism (default) or behind it. */
  layer?: 'front' | 'upstream';
}

export interface StoredRule extends FaultRule {
  id: number;
  /** Requests this rule has been applied to. */
  hits: number;
}

const KINDS: FaultKind[] = ['rate-limit', 'error', 'delay', 'drop', 'invalid'];

/** Checks a rule from the control endpoint or the command line; throws a message naming the problem. */
export function parseRule(raw: unknown): FaultRule {
  if (!raw || typeof raw !== 'object') throw new Error('a fault rule must be a JSON object');
  const o = raw as Record<string, unknown>;
  const kind = o.kind as FaultKind;
  if (!KINDS.includes(kind)) throw new Error(`fault kind must be one of ${KINDS.join(', ')} (got ${JSON.stringify(o.kind)})`);
  const rule: FaultRule = { kind };
  if (o.method !== undefined) rule.method = String(o.method).toUpperCase();
  if (o.path !== undefined) {
    rule.path = String(o.path);
    pathMatcher(rule.path); // throws on a bad regular expression
  }
  const int = (k: string, min: number, max: number): number | undefined => {
    if (o[k] === undefined) return undefined;
    const n = Number(o[k]);
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${k} must be an integer from ${min} to ${max}`);
    return n;
  };
  rule.count = int('count', 1, 1_000_000);
  if (kind === 'error') rule.status = int('status', 500, 599) ?? 500;
  if (kind === 'delay') {
    rule.delayMs = int('delayMs', 1, 600_000);
    if (rule.delayMs === undefined) throw new Error('a delay fault needs delayMs');
  }
  if (kind === 'rate-limit') rule.retryAfterS = int('retryAfterS', 0, 3600) ?? 2;
  if (kind === 'drop') {
    if (o.when !== undefined && o.when !== 'request' && o.when !== 'response') throw new Error('when must be "request" or "response"');
    if (o.layer !== undefined && o.layer !== 'front' && o.layer !== 'upstream') throw new Error('layer must be "front" or "upstream"');
    rule.when = (o.when as FaultRule['when']) ?? 'request';
    rule.layer = (o.layer as FaultRule['layer']) ?? 'front';
  }
  for (const k of Object.keys(rule) as (keyof FaultRule)[]) if (rule[k] === undefined) delete rule[k];
  return rule;
}

function pathMatcher(p: string): (path: string) => boolean {
  if (p.startsWith('^')) {
    const re = new RegExp(p);
    return (path) => re.test(path);
  }
  return (path) => path.includes(p);
}

export class Faults {
  private rules: StoredRule[] = [];
  private nextId = 1;

  add(rule: FaultRule): StoredRule {
    const stored = { ...rule, id: this.nextId++, hits: 0 };
    this.rules.push(stored);
    return stored;
  }

  clear(): void {
    this.rules = [];
  }

  list(): StoredRule[] {
    return this.rules.map((r) => ({ ...r }));
  }

  /**
   * The first rule for this layer that matches the request, consumed once. Front: only drops in
   * front of Prism; upstream: everything else.
   */
  take(layer: 'front' | 'upstream', method: string, path: string): StoredRule | undefined {
    const rule = this.rules.find(
      (r) =>
        (r.kind === 'drop' ? (r.layer ?? 'front') === layer : layer === 'upstream') &&
        (!r.method || r.method === method.toUpperCase()) &&
        (!r.path || pathMatcher(r.path)(path)) &&
        (r.count === undefined || r.hits < r.count),
    );
    if (!rule) return undefined;
    rule.hits++;
    const snapshot = { ...rule };
    if (rule.count !== undefined && rule.hits >= rule.count) this.rules = this.rules.filter((r) => r !== rule);
    return snapshot;
  }
}
