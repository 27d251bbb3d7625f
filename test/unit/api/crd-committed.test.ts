import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { renderCrds, renderDatabaseCrd, renderPolicyCrd, renderSnapshotCrd } from '../../../src/cli/crds.js';

const committed = (name: string) =>
  fileURLToPath(new URL(`../../../../helm/stow/files/${name}.stow.dev.yaml`, import.meta.url));

t.test('the committed CRD is what `stow crds` generates from the schemas', async (t) => {
  const text = await readFile(committed('postgresdbs'), 'utf8');
  t.equal(
    text,
    renderCrds({}),
    'regenerate with: node dist/src/cli/main.js crds > helm/stow/files/postgresdbs.stow.dev.yaml',
  );
});

for (const [kind, file, render] of [
  ['policy', 'postgresdbpolicies', renderPolicyCrd],
  ['PostgresDatabase', 'postgresdatabases', renderDatabaseCrd],
  ['PostgresDBSnapshot', 'postgresdbsnapshots', renderSnapshotCrd],
] as const) {
  t.test(`the committed ${kind} CRD is what \`stow crds\` generates from the schemas`, async (t) => {
    t.equal(
      await readFile(committed(file), 'utf8'),
      render(),
      'regenerate with: node dist/src/cli/main.js crds',
    );
  });
}
