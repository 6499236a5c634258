// The one webview-side bootstrap both panels start from: the VS Code API (acquired once), the saved state,
// and requests to the host, each with a fresh requestId; the host answers every request with a 'reply'
// (src/ui/webview/host.ts), which `replied` settles, so a failed click can be shown where it was made.
interface VsCodeApi {
  postMessage(msg: unknown): void;
  getState(): unknown;
  setState(s: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

export interface Reply {
  type: 'reply';
  requestId: number;
  ok: boolean;
  error?: string;
}

export interface Bridge<Req extends { type: string }, Saved> {
  /** Sends a request; resolves with the host's reply (ok or its error). */
  request(req: Req): Promise<Reply>;
  /** Settles the pending request a reply answers; false for a reply nobody waits for. */
  replied(r: Reply): boolean;
  saved(): Saved | undefined;
  save(s: Saved): void;
}

export function bridge<Req extends { type: string }, Saved>(): Bridge<Req, Saved> {
  const api = acquireVsCodeApi();
  let nextId = 1;
  const pending = new Map<number, (r: Reply) => void>();
  return {
    request(req) {
      const requestId = nextId++;
      return new Promise<Reply>((resolve) => {
        pending.set(requestId, resolve);
        api.postMessage({ ...req, requestId });
      });
    },
    replied(r) {
      const settle = pending.get(r.requestId);
      if (!settle) return false;
      pending.delete(r.requestId);
      settle(r);
      return true;
    },
    saved: () => api.getState() as Saved | undefined,
    save: (s) => api.setState(s),
  };
}
