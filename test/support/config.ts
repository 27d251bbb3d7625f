import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import type { OperatorConfig } from '../../src/config/schema.js';

/**
 * From a file of our own, so edits to config/operator.yaml elsewhere do not change these tests. The
 * emulator answers at once: its call budget is wide enough never to be what a test measures. The
 * access check is off: most tests run the emulator without servers, where there is nothing to reach.
 */
export function testConfig(overrides: Partial<OperatorConfig> = {}): OperatorConfig {
  const dir = mkdtempSync(join(tmpdir(), 'stow-itest-config-'));
  const file = join(dir, 'operator.yaml');
  writeFileSync(
    file,
    'clusterName: itest\nawsCallBudget: { ratePerSecond: 1000, burst: 1000 }\naccessCheck: { enabled: false }\n',
  );
  try {
    return { ...loadConfig(file), ...overrides };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
