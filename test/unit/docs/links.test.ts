import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import t from 'tap';
import { filesUnder, headingAnchors, REPO_ROOT, relativeLinks } from '../../support/docs.js';

// Every relative link of every Markdown page in the repository leads to a file of the repository,
// and every #anchor to a heading of the page it names.

const SKIP = ['node_modules', 'dist', '.git'];

function brokenLinks(page: string): string[] {
  const broken: string[] = [];
  for (const link of relativeLinks(readFileSync(page, 'utf8'))) {
    const [path = '', anchor] = link.split('#');
    const target = path ? resolve(dirname(page), decodeURIComponent(path)) : page;
    const where = `${relative(REPO_ROOT, page)}: ${link}`;
    if (relative(REPO_ROOT, target).startsWith('..')) broken.push(`${where} (outside the repository)`);
    else if (!existsSync(target)) broken.push(`${where} (no such file)`);
    else if (anchor && statSync(target).isFile() && target.endsWith('.md')) {
      if (!headingAnchors(readFileSync(target, 'utf8')).has(anchor))
        broken.push(`${where} (no such heading)`);
    }
  }
  return broken;
}

t.test('every relative link in the Markdown pages resolves', async (t) => {
  const pages = filesUnder(REPO_ROOT, '.md', SKIP);
  t.ok(
    pages.some((page) => page.endsWith('docs/troubleshooting.md')),
    'the docs are among the pages',
  );
  t.same(pages.flatMap(brokenLinks), []);
});

t.test('links and anchors are read as GitHub renders them', async (t) => {
  const page = [
    '# Installing Stow on EKS',
    '## 4. The image',
    '### `ImagePullBackOff` / `ErrImagePull`',
    '## Reasons: `Ready`, `Synced`',
    '## Reasons: `Ready`, `Synced`',
    '```md',
    '## not a heading [nor a link](nowhere.md)',
    '```',
    'See [the image](#4-the-image), [api](api.md#status "title"), `[code](not-a-link.md)` and',
    '[a site](https://example.com).',
  ].join('\n');
  t.same(relativeLinks(page), ['#4-the-image', 'api.md#status']);
  t.same(
    [...headingAnchors(page)],
    [
      'installing-stow-on-eks',
      '4-the-image',
      'imagepullbackoff--errimagepull',
      'reasons-ready-synced',
      'reasons-ready-synced-1',
    ],
  );
  t.ok(brokenLinks(join(REPO_ROOT, 'README.md')).length === 0, 'the README resolves');
});
