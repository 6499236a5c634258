import assert from 'node:assert/strict';
import { describeCost, estimateMonthlyCost, LOAD_BALANCER_NODE_PRICE_MONTHLY, loadBalancerNodes } from '../../src/core/digitalocean/cost';

describe('DigitalOcean cost estimate', () => {
  const prices = new Map([
    ['s-1vcpu-2gb', 12],
    ['s-2vcpu-4gb', 24],
  ]);

  it('is node price × count, summed over pools', () => {
    const c = estimateMonthlyCost(
      [
        { size: 's-1vcpu-2gb', count: 2 },
        { size: 's-2vcpu-4gb', count: 3 },
      ],
      prices,
    );
    assert.equal(c.monthly, 2 * 12 + 3 * 24);
    assert.equal(c.nodes, 5);
    assert.deepEqual(c.lines, ['2 × s-1vcpu-2gb @ $12.00 = $24.00', '3 × s-2vcpu-4gb @ $24.00 = $72.00']);
    assert.equal(describeCost(c), '~$96.00/month');
  });

  it('adds load balancers at the published per-node price, by size_unit or legacy size', () => {
    assert.equal(LOAD_BALANCER_NODE_PRICE_MONTHLY, 12);
    assert.equal(loadBalancerNodes({}), 1);
    assert.equal(loadBalancerNodes({ size_unit: 3 }), 3);
    assert.equal(loadBalancerNodes({ size: 'lb-large' }), 6);
    const c = estimateMonthlyCost([{ size: 's-1vcpu-2gb', count: 2 }], { 's-1vcpu-2gb': 12 }, [{ size_unit: 1 }, { size_unit: 2 }]);
    assert.equal(c.monthly, 24 + 12 + 24);
    assert.equal(c.loadBalancers, 2);
  });

  it('says the cost is unknown rather than guessing when a size has no price', () => {
    const c = estimateMonthlyCost([{ size: 'so-mystery', count: 1 }, { size: 's-1vcpu-2gb', count: 1 }], prices);
    assert.equal(c.monthly, undefined);
    assert.deepEqual(c.unpriced, ['so-mystery']);
    assert.equal(describeCost(c), 'cost unknown (no price for so-mystery)');
  });

  it('keeps cents exact', () => {
    const c = estimateMonthlyCost([{ size: 'x', count: 3 }], { x: 0.1 });
    assert.equal(c.monthly, 0.3);
  });
});
