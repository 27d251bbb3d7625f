import { invalidParameterValue } from './errors.js';
import type { QueryParams } from './query-params.js';

export interface PageRequest {
  maxRecords: number;
  /** The last identifier of the previous page. */
  after: string | undefined;
}

const minRecords = 20;
const maxRecords = 100;

export function readPageRequest(params: QueryParams): PageRequest {
  const requested = params.integer('MaxRecords') ?? maxRecords;
  if (requested < minRecords || requested > maxRecords) {
    throw invalidParameterValue(
      `Invalid value ${requested} for MaxRecords. Must be between ${minRecords} and ${maxRecords}`,
    );
  }
  const marker = params.string('Marker');
  return { maxRecords: requested, after: marker ? decodeMarker(marker) : undefined };
}

/** Markers are opaque to clients, as in RDS; here they carry the last identifier returned. */
export function encodeMarker(lastIdentifier: string): string {
  return Buffer.from(lastIdentifier, 'utf8').toString('base64url');
}

function decodeMarker(marker: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(marker)) throw invalidParameterValue(`Invalid marker: ${marker}`);
  return Buffer.from(marker, 'base64url').toString('utf8');
}

export function nextMarker<T extends { identifier: string }>(items: T[], more: boolean): string | undefined {
  const last = items.at(-1);
  return more && last ? encodeMarker(last.identifier) : undefined;
}
