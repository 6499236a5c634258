import assert from 'node:assert/strict';
import { completionsAt } from '../../src/core/chaos/complete';
import { EXPERIMENT_SCHEMA } from '../../src/core/chaos/file';

/** Completions where "|" marks the cursor. */
function at(textWithCursor: string) {
  const offset = textWithCursor.indexOf('|');
  const text = textWithCursor.replace('|', '');
  const before = text.slice(0, offset).split('\n');
  return completionsAt(EXPERIMENT_SCHEMA, text, before.length - 1, before.at(-1)!.length);
}

describe('chaos experiment file completion (from the schema)', () => {
  it('an empty file offers the top-level fields, required ones first, with the constant values filled in', () => {
    const c = at('|');
    assert.deepEqual(c.map((x) => x.label), ['apiVersion', 'kind', 'metadata', 'spec']);
    assert.equal(c[0].insertText, 'apiVersion: sockshop.lab/v1');
    assert.equal(c[2].insertText, 'metadata:\n  ');
  });

  it('inside spec: the fields not written yet, each with its description', () => {
    const c = at('apiVersion: sockshop.lab/v1\nkind: ChaosExperiment\nspec:\n  namespace: sock-shop\n  |\n  targets: [front-end]\n');
    const labels = c.map((x) => x.label);
    assert.ok(!labels.includes('namespace') && !labels.includes('targets'), labels.join());
    assert.deepEqual(labels.slice(0, 4), ['kill', 'intervalSeconds', 'durationSeconds', 'hypothesis']);
    assert.ok(labels.includes('load') && labels.includes('prediction'));
    const kill = c.find((x) => x.label === 'kill')!;
    assert.equal(kill.detail, 'required · mapping');
    assert.match(kill.documentation!, /kube-monkey's kill modes/);
  });

  it('nested mappings: spec.kill and spec.load.model', () => {
    assert.deepEqual(at('spec:\n  kill:\n    m|').map((x) => x.label), ['mode', 'value']);
    assert.deepEqual(at('spec:\n  load:\n    model:\n      |').map((x) => x.label), ['open', 'users', 'closed']);
  });

  it('after "mode: " the kill modes; after "flow: " the flows; a free value gets nothing', () => {
    assert.deepEqual(at('spec:\n  kill:\n    mode: |').map((x) => x.label), ['kill-all', 'fixed', 'random-max-percent', 'fixed-percent']);
    assert.deepEqual(at('spec:\n  load:\n    model:\n      users:\n        flow: |').map((x) => x.label), ['index', 'sockshop']);
    assert.deepEqual(at('spec:\n  namespace: |'), []);
    assert.deepEqual(at('nonsense:\n  |'), []);
  });
});
