#!/usr/bin/env node
// Manual control plane: `node scripts/control-plane/start.mjs` after `npx tsc -p .`. See docs/development.md.
import { existsSync } from 'node:fs';

const main = new URL('../../dist/src/dev/control-plane/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('dist/src/dev/control-plane/main.js is missing: build first with `npx tsc -p .`');
  process.exit(1);
}
await import(main.href);
