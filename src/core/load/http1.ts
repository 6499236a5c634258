// Minimal HTTP/1.1 for load generation: requests serialized once into Buffers, and an incremental response
// parser that works on the raw bytes a socket delivers (no per-response strings or objects on the fast path).
// It understands Content-Length, chunked transfer coding, bodies delimited by connection close, responses
// without bodies (1xx, 204, 304, HEAD) and `Connection: close`.

export interface SerializeOptions {
  host: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  cookies?: string[];
  body?: string | Buffer;
  keepAlive: boolean;
}

/** Serializes one request to bytes (sent as is, once per request). */
export function serializeRequest(o: SerializeOptions): Buffer {
  const method = (o.method ?? 'GET').toUpperCase();
  const lines = [`${method} ${o.path || '/'} HTTP/1.1`, `Host: ${o.host}`];
  const seen = new Set<string>();
  for (const [k, v] of Object.entries(o.headers ?? {})) {
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v)) throw new Error(`header ${k} contains a line break`);
    seen.add(k.toLowerCase());
    lines.push(`${k}: ${v}`);
  }
  if (o.cookies?.length && !seen.has('cookie')) lines.push(`Cookie: ${o.cookies.join('; ')}`);
  if (!seen.has('connection')) lines.push(o.keepAlive ? 'Connection: keep-alive' : 'Connection: close');
  const body = o.body === undefined ? undefined : Buffer.isBuffer(o.body) ? o.body : Buffer.from(o.body);
  if (body !== undefined || method === 'POST' || method === 'PUT' || method === 'PATCH') {
    lines.push(`Content-Length: ${body?.length ?? 0}`);
  }
  const head = Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  return body?.length ? Buffer.concat([head, body]) : head;
}

const CR = 13;
const LF = 10;

const enum State {
  Head = 0,
  Length = 1,
  ChunkSize = 2,
  ChunkData = 3,
  ChunkDataEnd = 4,
  Trailers = 5,
  UntilClose = 6,
}

export interface ResponseHead {
  status: number;
  /** Header lines, only collected when the parser was created with collectHeaders. */
  headers?: [string, string][];
}

/**
 * Incremental HTTP/1.1 response parser. Feed it bytes with execute(); it calls onResponse once per complete
 * response. Buffers given to execute() may be reused by the caller afterwards (the parser copies what it keeps).
 */
export class ResponseParser {
  private state = State.Head;
  private pending: Buffer | undefined; // unfinished head / chunk-size line
  private remaining = 0;
  private status = 0;
  private close = false;
  private headers: [string, string][] | undefined;
  /** Body bytes of the current response (only counted). */
  bodyBytes = 0;
  /** Set when the bytes are not HTTP; the connection must be dropped. */
  error: string | undefined;
  /** Receives body bytes (the buffer is only valid during the call). */
  bodySink: ((b: Buffer, from: number, to: number) => void) | undefined;
  /** True for the next response if its request was HEAD. */
  expectNoBody = false;

  constructor(
    private readonly onResponse: (status: number, close: boolean, headers: [string, string][] | undefined) => void,
    private readonly collectHeaders = false,
  ) {}

  /** True while a response is partly received. */
  get busy(): boolean {
    return this.state !== State.Head || this.pending !== undefined;
  }

  reset(): void {
    this.state = State.Head;
    this.pending = undefined;
    this.remaining = 0;
    this.error = undefined;
    this.expectNoBody = false;
  }

  /** The peer closed the connection: completes a close-delimited body. Returns false if a response was cut short. */
  finish(): boolean {
    if (this.state === State.UntilClose) {
      this.state = State.Head;
      this.onResponse(this.status, true, this.headers);
      return true;
    }
    return !this.busy;
  }

  /** The bytes to scan: what the previous buffer left unfinished (a head, a chunk line), then buf[i, end). */
  private joined(buf: Buffer, i: number, end: number): { data: Buffer; from: number; to: number } {
    if (this.pending === undefined) return { data: buf, from: i, to: end };
    const data = Buffer.concat([this.pending, buf.subarray(i, end)]);
    return { data, from: 0, to: data.length };
  }

  /** Keeps an unfinished head or line for the next buffer, or fails the response beyond limit bytes. */
  private holdBack(data: Buffer, from: number, to: number, limit: number, error: string): void {
    if (to - from > limit) this.error = error;
    else this.pending = Buffer.from(data.subarray(from, to));
  }

  execute(buf: Buffer, start: number, end: number): void {
    let i = start;
    while (i < end && this.error === undefined) {
      switch (this.state) {
        case State.Head: {
          const { data, from, to } = this.joined(buf, i, end);
          const headEnd = findHeadEnd(data, from, to);
          if (headEnd < 0) {
            this.holdBack(data, from, to, 64 * 1024, 'response head too large');
            return;
          }
          const consumedFromBuf = this.pending !== undefined ? headEnd - this.pending.length : headEnd - i;
          this.parseHead(data, from, headEnd);
          this.pending = undefined;
          if (this.error !== undefined) return;
          i += consumedFromBuf;
          if (this.state === State.Head) this.complete();
          break;
        }
        case State.Length: {
          const n = Math.min(this.remaining, end - i);
          this.remaining -= n;
          this.bodyBytes += n;
          if (this.bodySink) this.bodySink(buf, i, i + n);
          i += n;
          if (this.remaining === 0) {
            this.state = State.Head;
            this.complete();
          }
          break;
        }
        case State.ChunkSize:
        case State.Trailers: {
          const { data, from, to } = this.joined(buf, i, end);
          const eol = indexOfCrlf(data, from, to);
          if (eol < 0) {
            this.holdBack(data, from, to, 16 * 1024, 'chunk line too long');
            return;
          }
          const consumed = this.pending !== undefined ? eol + 2 - this.pending.length : eol + 2 - i;
          const lineStart = from;
          this.pending = undefined;
          i += consumed;
          if (this.state === State.Trailers) {
            if (eol === lineStart) {
              this.state = State.Head;
              this.complete();
            }
            break;
          }
          const size = parseHexPrefix(data, lineStart, eol);
          if (size < 0) {
            this.error = 'bad chunk size';
            return;
          }
          if (size === 0) this.state = State.Trailers;
          else {
            this.remaining = size;
            this.state = State.ChunkData;
          }
          break;
        }
        case State.ChunkData: {
          const n = Math.min(this.remaining, end - i);
          this.remaining -= n;
          this.bodyBytes += n;
          if (this.bodySink) this.bodySink(buf, i, i + n);
          i += n;
          if (this.remaining === 0) {
            this.state = State.ChunkDataEnd;
            this.remaining = 2;
          }
          break;
        }
        case State.ChunkDataEnd: {
          const n = Math.min(this.remaining, end - i);
          this.remaining -= n;
          i += n;
          if (this.remaining === 0) this.state = State.ChunkSize;
          break;
        }
        case State.UntilClose:
          this.bodyBytes += end - i;
          if (this.bodySink) this.bodySink(buf, i, end);
          i = end;
          break;
      }
    }
  }

  private complete(): void {
    if (this.status < 0) return; // an interim (1xx) response
    const headers = this.headers;
    this.headers = undefined;
    this.onResponse(this.status, this.close, headers);
  }

  private parseHead(b: Buffer, from: number, headEnd: number): void {
    // "HTTP/1.x SSS"
    if (
      headEnd - from < 12 ||
      b[from] !== 72 || b[from + 1] !== 84 || b[from + 2] !== 84 || b[from + 3] !== 80 || b[from + 4] !== 47
    ) {
      this.error = 'not an HTTP response';
      return;
    }
    const s0 = b[from + 9] - 48;
    const s1 = b[from + 10] - 48;
    const s2 = b[from + 11] - 48;
    if (s0 < 1 || s0 > 5 || s1 < 0 || s1 > 9 || s2 < 0 || s2 > 9) {
      this.error = 'bad status line';
      return;
    }
    const http10 = b[from + 7] === 48; // HTTP/1.0
    this.status = s0 * 100 + s1 * 10 + s2;
    this.close = http10;
    this.bodyBytes = 0;
    let length = -1;
    let chunked = false;
    if (this.collectHeaders) this.headers = [];
    let line = indexOfCrlf(b, from, headEnd) + 2;
    while (line < headEnd - 2) {
      const eol = indexOfCrlf(b, line, headEnd);
      const stop = eol < 0 ? headEnd - 2 : eol;
      const c = b[line] | 0x20;
      if (c === 0x63 /* c */ || c === 0x74 /* t */ || this.collectHeaders) {
        const colon = b.indexOf(58, line);
        if (colon > line && colon < stop) {
          const nameLen = colon - line;
          let v = colon + 1;
          while (v < stop && (b[v] === 32 || b[v] === 9)) v++;
          if (nameLen === 14 && equalsLower(b, line, 'content-length')) {
            length = parseDecimal(b, v, stop);
            if (length < 0) {
              this.error = 'bad content-length';
              return;
            }
          } else if (nameLen === 17 && equalsLower(b, line, 'transfer-encoding')) {
            chunked = containsLower(b, v, stop, 'chunked');
          } else if (nameLen === 10 && equalsLower(b, line, 'connection')) {
            if (containsLower(b, v, stop, 'close')) this.close = true;
            else if (containsLower(b, v, stop, 'keep-alive')) this.close = false;
          }
          if (this.headers) this.headers.push([b.toString("latin1", line, colon).toLowerCase(), b.toString("latin1", v, stop).trim()]);
        }
      }
      line = stop + 2;
    }
    const noBody = this.expectNoBody || this.status < 200 || this.status === 204 || this.status === 304;
    this.expectNoBody = false;
    if (noBody) this.state = State.Head;
    else if (chunked) this.state = State.ChunkSize;
    else if (length >= 0) {
      this.remaining = length;
      this.state = length === 0 ? State.Head : State.Length;
    } else {
      this.state = State.UntilClose;
      this.close = true;
    }
    // Interim responses (100 Continue) are not final: skip them.
    if (this.status < 200 && this.status !== 101) {
      this.state = State.Head;
      this.status = -1;
    }
  }
}

/** Index just past "\r\n\r\n" or -1. */
function findHeadEnd(b: Buffer, from: number, to: number): number {
  let i = from;
  for (;;) {
    const cr = b.indexOf(CR, i);
    if (cr < 0 || cr + 3 >= to) return -1;
    if (b[cr + 1] === LF && b[cr + 2] === CR && b[cr + 3] === LF) return cr + 4;
    i = cr + 1;
  }
}

function indexOfCrlf(b: Buffer, from: number, to: number): number {
  let i = from;
  for (;;) {
    const cr = b.indexOf(CR, i);
    if (cr < 0 || cr + 1 >= to) return -1;
    if (b[cr + 1] === LF) return cr;
    i = cr + 1;
  }
}

function equalsLower(b: Buffer, at: number, lower: string): boolean {
  for (let k = 0; k < lower.length; k++) if ((b[at + k] | 0x20) !== lower.charCodeAt(k)) return false;
  return true;
}

function containsLower(b: Buffer, from: number, to: number, lower: string): boolean {
  outer: for (let i = from; i + lower.length <= to; i++) {
    for (let k = 0; k < lower.length; k++) if ((b[i + k] | 0x20) !== lower.charCodeAt(k)) continue outer;
    return true;
  }
  return false;
}

function parseDecimal(b: Buffer, from: number, to: number): number {
  let n = 0;
  let digits = 0;
  for (let i = from; i < to; i++) {
    const d = b[i] - 48;
    if (d < 0 || d > 9) {
      if (b[i] === 32 || b[i] === 9) break;
      return -1;
    }
    n = n * 10 + d;
    digits++;
  }
  return digits ? n : -1;
}

function parseHexPrefix(b: Buffer, from: number, to: number): number {
  let n = 0;
  let digits = 0;
  for (let i = from; i < to; i++) {
    const c = b[i];
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if ((c | 0x20) >= 97 && (c | 0x20) <= 102) d = (c | 0x20) - 87;
    else if (c === 59 /* ; extensions */ || c === 32 || c === 9) break;
    else return -1;
    n = n * 16 + d;
    digits++;
  }
  return digits ? n : -1;
}
