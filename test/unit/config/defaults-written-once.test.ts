import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { withDefaults } from '../../../src/config/load.js';

// The configuration's defaults are written once, in its schema (src/config/schema.ts). The shipped
// operator.yaml and the chart's `config` values show them to users: each must say exactly the same.
const root = new URL('../../../../', import.meta.url).pathname;
const schemaDefaults = withDefaults({});

t.test('config/operator.yaml states the schema defaults', async (t) => {
  const { storageRulesFile: _file, ...shipped } = parse(readFileSync(`${root}config/operator.yaml`, 'utf8'));
  t.same(shipped, schemaDefaults);
});

t.test("the chart's config values state the schema defaults", async (t) => {
  const values = parse(readFileSync(`${root}helm/stow/values.yaml`, 'utf8'));
  t.same(values.config, schemaDefaults);
});

t.test('a key left out takes its default, a key given keeps its value', async (t) => {
  const filled = withDefaults({
    defaults: { engineVersion: '15' },
    orphans: { action: 'snapshotAndDelete' },
  });
  t.equal(filled.defaults.engineVersion, '15');
  t.equal(filled.defaults.masterUsername, 'stow_admin');
  t.same(filled.orphans, { action: 'snapshotAndDelete', graceSeconds: 86_400 });
  t.equal(filled.clusterName, 'local');
});
