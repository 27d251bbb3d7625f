import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { renderEachCrd } from '../../../src/cli/crds.js';

const committed = (plural: string) =>
  fileURLToPath(new URL(`../../../../helm/stow/files/${plural}.stow.dev.yaml`, import.meta.url));

for (const { plural, yaml } of renderEachCrd({})) {
  t.test(`the committed ${plural} CRD is what \`stow crds\` generates from the schemas`, async (t) => {
    t.equal(
      await readFile(committed(plural), 'utf8'),
      yaml,
      'regenerate with: node dist/src/cli/main.js crds',
    );
  });
}
