import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { renderCrds } from '../../src/cli/crds.js';

const committed = fileURLToPath(
  new URL('../../../helm/stow/files/postgresdbs.stow.dev.yaml', import.meta.url),
);

t.test('the committed CRD is what `stow crds` generates from the schemas', async (t) => {
  const text = await readFile(committed, 'utf8');
  t.equal(
    text,
    renderCrds({}),
    'regenerate with: node dist/src/cli/main.js crds > helm/stow/files/postgresdbs.stow.dev.yaml',
  );
});
