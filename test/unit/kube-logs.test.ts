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

describe('Describe: the events block', () => {
  it('lists the events newest first as YAML comments, or says there are none', async () => {
    const { eventsComment } = await import('../../src/core/kube/events');
    const now = Date.parse('2026-12-02T10:00:00Z');
    const row = (reason: string, ago: number, type = 'Normal', count = 1) => ({ uid: reason, namespace: 'sock-shop', type, warning: type === 'Warning', reason, object: 'Pod/p', objectKind: 'Pod', objectName: 'p', message: `${reason} happened\n  twice`, count, time: now - ago * 1000, source: '' });
    const text = eventsComment([row('Killing', 5, 'Normal'), row('Unhealthy', 70, 'Warning', 3)], now);
    assert.equal(text, '\n# Events (newest first):\n#   5s    Normal   Killing              Killing happened twice\n#   70s   Warning  Unhealthy            Unhealthy happened twice (×3)\n');
    assert.equal(eventsComment([], now), '\n# Events: none.\n');
    assert.equal(eventsComment(undefined, now), '\n# Events: could not be read.\n');
  });
});
