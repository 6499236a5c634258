// One HTTP/1.1 client connection on a raw socket: one request in flight at a time (no pipelining), reconnects
// when the server closes, reads into a buffer shared by all connections of the thread (no per-read allocation),
// and reports each outcome through a callback fixed per connection (no per-request closures on the fast path).
import * as net from 'node:net';
import { ResponseParser } from './http1';

export type Outcome =
  | { ok: true; status: number; bytes: number; headers?: [string, string][]; body?: Buffer }
  | { ok: false; cause: string };

export interface ConnOptions {
  host: string;
  port: number;
  /** Collect response header lines (for cookies); off on the fast path. */
  collectHeaders?: boolean;
  /** Shared read buffer for this thread. */
  readBuffer: Buffer;
}

/** Callback: status > 0 on a response (cause undefined), else cause says what failed. */
export type DoneFn = (status: number, cause: string | undefined, conn: Connection) => void;

export class Connection {
  private socket: net.Socket | undefined;
  private readonly parser: ResponseParser;
  /** performance.now() when the current request was written; 0 when idle. */
  sentAt = 0;
  /** performance.now() when the last request was written (kept after it completes). */
  sentAtLast = 0;
  /** Arbitrary per-request tag for the owner (e.g. intended send time, endpoint index). */
  tag = 0;
  tag2 = 0;
  headers: [string, string][] | undefined;
  body: Buffer[] | undefined;
  captureBody = false;
  bytes = 0;
  connects = 0;

  constructor(
    private readonly o: ConnOptions,
    private readonly done: DoneFn,
  ) {
    this.parser = new ResponseParser((status, close, headers) => this.onResponse(status, close, headers), !!o.collectHeaders);
    this.parser.bodySink = (b, from, to) => {
      if (this.body) this.body.push(Buffer.from(b.subarray(from, to)));
    };
  }

  get inFlight(): boolean {
    return this.sentAt !== 0;
  }

  /** Sends one request; the outcome arrives through the done callback. */
  send(request: Buffer, now: number, head = false): void {
    if (this.sentAt !== 0) throw new Error('request already in flight');
    this.sentAt = now;
    this.sentAtLast = now;
    this.headers = undefined;
    this.body = this.captureBody ? [] : undefined;
    this.parser.expectNoBody = head;
    const s = this.socket ?? this.open();
    s.write(request);
  }

  /** Fails the request in flight if it has taken longer than timeoutMs. */
  checkTimeout(now: number, timeoutMs: number): void {
    if (this.sentAt !== 0 && now - this.sentAt > timeoutMs) this.fail('timeout');
  }

  /** Drops the connection; a request in flight is reported as failed with cause. */
  close(cause?: string): void {
    if (cause && this.sentAt !== 0) this.fail(cause);
    else this.drop();
  }

  private open(): net.Socket {
    this.connects++;
    this.parser.reset();
    const s = net.connect({
      host: this.o.host,
      port: this.o.port,
      noDelay: true,
      onread: {
        buffer: this.o.readBuffer,
        callback: (n: number, buf: Uint8Array) => {
          if (this.socket !== s) return false;
          this.bytes += n;
          this.parser.execute(buf as Buffer, 0, n);
          if (this.parser.error !== undefined && this.socket === s) this.fail(`bad response: ${this.parser.error}`);
          return true;
        },
      },
    } as net.NetConnectOpts);
    s.on('error', (err: NodeJS.ErrnoException) => {
      if (this.socket !== s) return;
      this.fail(err.code ?? err.message ?? 'socket error');
    });
    s.on('close', () => {
      if (this.socket !== s) return;
      this.socket = undefined;
      // A body delimited by the close completes here; anything else in flight was cut off.
      if (this.sentAt !== 0) this.parser.finish();
      if (this.sentAt !== 0) this.fail('connection closed');
      else this.parser.reset();
    });
    this.socket = s;
    return s;
  }

  private onResponse(status: number, close: boolean, headers: [string, string][] | undefined): void {
    if (this.sentAt === 0) {
      // A response nobody asked for: the server is confused; start afresh.
      this.drop();
      return;
    }
    if (close) this.drop();
    this.headers = headers;
    this.sentAt = 0;
    this.done(status, undefined, this);
  }

  private fail(cause: string): void {
    this.drop();
    if (this.sentAt === 0) return;
    this.sentAt = 0;
    this.done(0, cause, this);
  }

  private drop(): void {
    const s = this.socket;
    this.socket = undefined;
    this.parser.reset();
    if (s) s.destroy();
  }
}
