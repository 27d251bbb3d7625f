import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const DOCKERFILE = fileURLToPath(new URL('../../../Dockerfile', import.meta.url));

/**
 * The environment the image sets for the operator (the runtime stage's `ENV NAME=value` lines), so
 * that what runs the operator outside the image (the image test, bench/scale) runs it the same way.
 */
export function imageEnvironment(): Record<string, string> {
  const dockerfile = readFileSync(DOCKERFILE, 'utf8');
  const runtimeStage = dockerfile.slice(dockerfile.indexOf('AS runtime'));
  return Object.fromEntries(
    [...runtimeStage.matchAll(/^ENV ([A-Z_][A-Z0-9_]*)=(\S+)$/gm)].map((match) => [match[1]!, match[2]!]),
  );
}
