import assert from 'node:assert/strict';
import { clusterNameProblem, doContextName, latestVersion, validateClusterRequest, type KubeOptions } from '../../src/core/digitalocean/validate';
import { UserError } from '../../src/core/errors';

const OPTIONS: KubeOptions = {
  regions: [
    { slug: 'sgp1', name: 'Singapore 1' },
    { slug: 'nyc1', name: 'New York 1' },
  ],
  versions: [
    { slug: '1.32.10-do.1', kubernetes_version: '1.32.10' },
    { slug: '1.33.13-do.0', kubernetes_version: '1.33.13' },
    { slug: '1.9.2-do.0', kubernetes_version: '1.9.2' },
  ],
  sizes: [{ slug: 's-1vcpu-2gb', name: 's-1vcpu-2gb' }],
};

const good = { name: 'sock-shop', region: 'sgp1', version: '1.33.13-do.0', size: 's-1vcpu-2gb', count: 2, monitoring: true };

function reason(fn: () => void): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof UserError, `expected a UserError, got ${err}`);
    return `${err.reason}: ${err.message}`;
  }
  return 'ok';
}

describe('DigitalOcean cluster validation', () => {
  it('accepts DNS-label names starting with a letter', () => {
    for (const name of ['a', 'sock-shop', 'k8s-1-33', 'x'.repeat(63)]) assert.equal(clusterNameProblem(name), undefined, name);
  });

  it('rejects each kind of bad name with a specific message', () => {
    assert.match(clusterNameProblem('')!, /Enter a cluster name/);
    assert.match(clusterNameProblem('Sock-Shop')!, /lowercase/);
    assert.match(clusterNameProblem('sock_shop')!, /not "_"/);
    assert.match(clusterNameProblem('sock shop')!, /not " "/);
    assert.match(clusterNameProblem('1sock')!, /starts with a letter/);
    assert.match(clusterNameProblem('-sock')!, /starts with a letter/);
    assert.match(clusterNameProblem('sock-')!, /ends with a letter or digit/);
    assert.match(clusterNameProblem('x'.repeat(64))!, /at most 63 characters \(this one has 64\)/);
  });

  it('reports whole code points: an emoji is one character, never half of a surrogate pair', () => {
    const p = clusterNameProblem('sock-\u{1F9E6}-shop')!;
    assert.equal(p, 'A cluster name may contain only lowercase letters, digits and hyphens, not "\u{1F9E6}" (U+1F9E6).');
    assert.doesNotMatch(p, /[\uD800-\uDFFF](?![\uDC00-\uDFFF])/u, 'no lone surrogate in the message');
    assert.equal(clusterNameProblem('sock shop'), 'A cluster name may contain only lowercase letters, digits and hyphens, not " " (a space).');
    assert.match(clusterNameProblem('sock\tshop')!, /not the control character U\+0009\./);
    assert.match(clusterNameProblem('caf\u00e9')!, /not "\u00e9" \(U\+00E9\)/);
    // 62 letters and one emoji (two UTF-16 units) are 63 characters: within the limit, so the emoji is what is reported.
    assert.match(clusterNameProblem(`${'x'.repeat(62)}\u{1F9E6}`)!, /not "\u{1F9E6}"/u);
    assert.match(clusterNameProblem(`${'x'.repeat(63)}\u{1F9E6}`)!, /this one has 64\)/);
  });

  it('checks region, version, size and count against the options', () => {
    assert.equal(reason(() => validateClusterRequest(good, OPTIONS)), 'ok');
    assert.match(reason(() => validateClusterRequest({ ...good, name: 'Bad_Name' }, OPTIONS)), /^InvalidName: Invalid cluster name "Bad_Name"/);
    assert.match(reason(() => validateClusterRequest({ ...good, region: 'mars1' }, OPTIONS)), /^UnknownRegion: Unknown region "mars1": DigitalOcean offers Kubernetes in sgp1, nyc1\./);
    assert.match(reason(() => validateClusterRequest({ ...good, version: '1.20.0-do.0' }, OPTIONS)), /^UnknownVersion: /);
    assert.match(reason(() => validateClusterRequest({ ...good, size: 's-64vcpu' }, OPTIONS)), /^UnknownSize: /);
    assert.match(reason(() => validateClusterRequest({ ...good, count: 0 }, OPTIONS)), /^InvalidCount: /);
    assert.match(reason(() => validateClusterRequest({ ...good, count: 1.5 }, OPTIONS)), /^InvalidCount: /);
  });

  it('finds the latest version numerically, not by list order or string order', () => {
    assert.equal(latestVersion(OPTIONS), '1.33.13-do.0');
    assert.equal(latestVersion({ ...OPTIONS, versions: [] }), undefined);
  });

  it("names contexts like doctl", () => {
    assert.equal(doContextName('sgp1', 'sock-shop'), 'do-sgp1-sock-shop');
  });
});
