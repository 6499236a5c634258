import assert from 'node:assert/strict';
import { LineSplitter } from '../../src/core/kube/logs';

describe('deployment logs: line splitting', () => {
  it('gives whole lines however the stream is chunked, and the last partial line at the end', async () => {
    const lines: string[] = [];
    const s = new LineSplitter((l) => lines.push(l));
    for (const chunk of ['GET / 2', '00 3ms\r\nGET /cat', 'alogue 200 1ms\n', 'tail without newline']) s.write(chunk);
    await new Promise<void>((r) => s.end(() => r()));
    assert.deepEqual(lines, ['GET / 200 3ms', 'GET /catalogue 200 1ms', 'tail without newline']);
  });
});
