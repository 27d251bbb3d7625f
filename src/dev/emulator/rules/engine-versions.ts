import { invalidParameterCombination } from '../errors.js';

/** The version RDS picks when only a major version is requested. */
const defaultMinorByMajor: Readonly<Record<string, string>> = {
  '11': '11.22',
  '12': '12.22',
  '13': '13.20',
  '14': '14.17',
  '15': '15.12',
  '16': '16.8',
  '17': '17.4',
};

export const defaultEngineVersion = '17.4';

export function majorOf(version: string): string {
  return version.split('.')[0]!;
}

/** `16` → `16.8`; a full `major.minor` of a known major is kept as given. */
export function resolveEngineVersion(requested: string | undefined): string {
  if (requested === undefined) return defaultEngineVersion;
  const match = /^(\d+)(?:\.(\d+))?$/.exec(requested);
  const defaultForMajor = match ? defaultMinorByMajor[match[1]!] : undefined;
  if (!match || defaultForMajor === undefined) {
    throw invalidParameterCombination(`Cannot find version ${requested} for postgres`);
  }
  return match[2] === undefined ? defaultForMajor : requested;
}

export function compareVersions(a: string, b: string): number {
  const [aMajor = 0, aMinor = 0] = a.split('.').map(Number);
  const [bMajor = 0, bMinor = 0] = b.split('.').map(Number);
  return aMajor - bMajor || aMinor - bMinor;
}

export function validateUpgrade(from: string, to: string, allowMajorVersionUpgrade: boolean): void {
  if (compareVersions(to, from) < 0) {
    throw invalidParameterCombination(`Cannot upgrade postgres from ${from} to ${to}`);
  }
  if (majorOf(to) !== majorOf(from) && !allowMajorVersionUpgrade) {
    throw invalidParameterCombination(
      'The AllowMajorVersionUpgrade flag must be present when upgrading to a new major version.',
    );
  }
}

export function defaultParameterGroupName(version: string): string {
  return `default.postgres${majorOf(version)}`;
}
