import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import t from 'tap';

// The layers of src/, lowest first (docs/adr/0018-layers.md). A module may import its own layer and
// the ones below it, never one above: the lower a module, the less it knows.
const LAYERS: ReadonlyArray<readonly string[]> = [
  ['util'],
  ['engine'],
  ['api'],
  ['config/schema.ts', 'config/placement.ts'],
  ['admission/rules'],
  ['config'],
  ['kube', 'aws'],
  ['policy'],
  ['server'],
  ['conversion'],
  ['admission'],
  ['controller'],
  ['migrate'],
  ['dev/emulator', 'dev/control-plane', 'dev/postgres'],
  ['operator.ts'],
  ['dev/local'],
  ['cli'],
];

const src = new URL('../../../src/', import.meta.url).pathname;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The layer of a module: its most specific entry (a file before its folder). */
function layerOf(module: string): number {
  let best = -1;
  let bestLength = -1;
  LAYERS.forEach((entries, layer) => {
    for (const entry of entries) {
      const matches = entry.endsWith('.ts') ? module === entry : module.startsWith(`${entry}/`);
      if (matches && entry.length > bestLength) {
        best = layer;
        bestLength = entry.length;
      }
    }
  });
  return best;
}

t.test('no module imports a module of a layer above it', async (t) => {
  const files = sources(src);
  const upward: string[] = [];
  const unplaced: string[] = [];
  let imports = 0;
  for (const file of files) {
    const module = relative(src, file);
    const layer = layerOf(module);
    if (layer < 0) unplaced.push(module);
    for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
      imports++;
      const target = relative(src, normalize(join(dirname(file), match[1]!))).replace(/\.js$/, '.ts');
      const targetLayer = layerOf(target);
      if (targetLayer > layer)
        upward.push(`${module} (layer ${layer}) imports ${target} (layer ${targetLayer})`);
    }
  }
  t.same(unplaced, [], 'every module of src/ is in a layer');
  t.same(upward, [], `${imports} imports in ${files.length} modules checked`);
});

t.test('the check sees an upward import', async (t) => {
  t.ok(layerOf('api/constants.ts') < layerOf('controller/reconciler.ts'));
  t.equal(layerOf('config/schema.ts'), 3, 'a file entry wins over its folder');
  t.equal(layerOf('config/load.ts'), 5);
  t.equal(layerOf('nowhere/x.ts'), -1);
});
