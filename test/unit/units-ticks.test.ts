// Axis ticks of the metrics panel: decimals from the tick step (0.75 % stays 0.75 %), and time labels that
// do not collide (the date only where the day changes).
import { strict as assert } from 'node:assert';
import { formatTick, stepDecimals, timeTicks } from '../../src/common/units';

describe('axis ticks', () => {
  it('writes percent ticks with the decimals of their step', () => {
    assert.deepEqual([0, 0.0025, 0.005, 0.0075, 0.01].map((v) => formatTick(v, 'percentunit', 0.0025)), ['0.00%', '0.25%', '0.50%', '0.75%', '1.00%']);
    assert.deepEqual([0, 0.5, 1].map((v) => formatTick(v, 'percent', 0.5)), ['0.0%', '0.5%', '1.0%']);
    assert.deepEqual([0, 0.2, 0.4].map((v) => formatTick(v, 'percentunit', 0.2)), ['0%', '20%', '40%']);
    assert.deepEqual([0.25, 0.5, 2, 0.1, 1 / 3].map(stepDecimals), [2, 1, 0, 1, 3]);
  });

  it('labels time ticks HH:MM, with the date on the first tick and where the day changes', () => {
    const t0 = Date.parse('2026-12-02T23:58:00Z') / 1000;
    assert.deepEqual(timeTicks([t0, t0 + 60, t0 + 120, t0 + 180], 'UTC'), ['Dec 2 23:58', '23:59', 'Dec 3 00:00', '00:01']);
    assert.deepEqual(timeTicks([t0, t0 + 15, t0 + 30], 'UTC'), ['Dec 2 23:58:00', '23:58:15', '23:58:30']);
  });
});
