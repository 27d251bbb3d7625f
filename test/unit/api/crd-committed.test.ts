import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { renderCrds, renderPolicyCrd } from '../../../src/cli/crds.js';

const committed = fileURLToPath(
  new URL('../../../../helm/stow/files/postgresdbs.stow.dev.yaml', import.meta.url),
);

t.test('the committed CRD is what `stow crds` generates from the schemas', async (t) => {
  const text = await readFile(committed, 'utf8');
  t.equal(
    text,
    renderCrds({}),
    'regenerate with: node dist/src/cli/main.js crds > helm/stow/files/postgresdbs.stow.dev.yaml',
  );
});

t.test('the committed policy CRD is what `stow crds` generates from the schemas', async (t) => {
  const file = fileURLToPath(
    new URL('../../../../helm/stow/files/postgresdbpolicies.stow.dev.yaml', import.meta.url),
  );
  t.equal(await readFile(file, 'utf8'), renderPolicyCrd(), 'regenerate with: node dist/src/cli/main.js crds');
});
