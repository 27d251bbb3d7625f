import { GROUP, HUB_VERSION } from '../api/constants.js';
import type * as v1alpha1 from '../api/v1alpha1.js';
import type * as v1beta1 from '../api/v1beta1.js';
import {
  annotationError,
  expectKeys,
  expectObject,
  readConversionAnnotation,
  withConversionAnnotation,
} from './conversion-annotation.js';
import { isJsonObject, type JsonObject, unlessEmpty, withoutUndefined } from '../util/json-object.js';
import { ConversionError } from './conversion-error.js';
import { parseStorageGiB, renderStorage } from './storage-size.js';
import { showValue } from '../util/show-value.js';

const SPOKE_VERSION = 'v1alpha1';
const SPOKE_API_VERSION = `${GROUP}/${SPOKE_VERSION}`;
const HUB_API_VERSION = `${GROUP}/${HUB_VERSION}`;

/** On a v1alpha1 object: the v1beta1 fields v1alpha1 has no place for. */
type HubOnlyData = {
  spec?: JsonObject;
  status?: JsonObject;
  /** The hub's remembered v1alpha1 spelling of storage, kept while it no longer matches sizeGiB. */
  storageSpelling?: string;
};

/** On a v1beta1 object: how v1alpha1 spelled `spec.storage` when it was given as a string. */
type SpokeOnlyData = {
  storage?: string;
};

export function toHub(spoke: v1alpha1.PostgresDB): v1beta1.PostgresDB {
  const hubOnly = readHubOnlyData(spoke.metadata);
  const { spec, status, ...top } = spoke;
  const sizeGiB = parseStorageGiB(spec.storage);
  const spelling = storageSpellingToRemember(spec.storage, sizeGiB, hubOnly.storageSpelling);
  const hub: v1beta1.PostgresDB = {
    ...top,
    apiVersion: HUB_API_VERSION,
    metadata: withConversionAnnotation(
      spoke.metadata,
      spelling === undefined ? undefined : { [SPOKE_VERSION]: { storage: spelling } },
    ),
    spec: hubSpec(spec, sizeGiB, hubOnly.spec ?? {}),
  };
  if (status !== undefined || hubOnly.status !== undefined)
    hub.status = hubStatus(status ?? {}, hubOnly.status ?? {});
  return hub;
}

export function fromHub(hub: v1beta1.PostgresDB): v1alpha1.PostgresDB {
  const spelling = readSpokeOnlyData(hub.metadata).storage;
  const { spec, status, ...top } = hub;
  const { instanceClass, storage, ...hubOnlySpec } = spec;
  if (storage !== undefined && !isJsonObject(storage))
    throw new ConversionError('spec.storage', `must be an object (got ${showValue(storage)})`);
  const { sizeGiB, type, iops, ...hubOnlyStorage } = storage ?? {};
  const spokeStorage = renderStorage(sizeGiB, spelling);
  const { rdsStatus, arn, ...hubOnlyStatus } = status ?? {};
  const hubOnly: HubOnlyData = withoutUndefined({
    spec: unlessEmpty({
      ...hubOnlySpec,
      ...(unlessEmpty(hubOnlyStorage) ? { storage: hubOnlyStorage } : {}),
    }),
    status: unlessEmpty(hubOnlyStatus),
    storageSpelling: spelling !== undefined && spokeStorage !== spelling ? spelling : undefined,
  });
  const spoke: v1alpha1.PostgresDB = {
    ...top,
    apiVersion: SPOKE_API_VERSION,
    metadata: withConversionAnnotation(
      hub.metadata,
      unlessEmpty(hubOnly) === undefined ? undefined : { [HUB_VERSION]: hubOnly },
    ),
    spec: withoutUndefined({
      size: instanceClass,
      storage: spokeStorage,
      storageType: type,
      iops,
    }) as v1alpha1.PostgresDBSpec,
  };
  if (status !== undefined) spoke.status = withoutUndefined({ arn, ready: rdsStatus });
  return spoke;
}

/** Where a v1beta1 field path (from validation) points in v1alpha1, so messages name the field the user wrote. */
export function fieldPathFromHub(path: string): string {
  for (const [hubPath, spokePath] of FIELD_PATHS) {
    if (path === hubPath) return spokePath;
    if (path.startsWith(hubPath) && (path[hubPath.length] === '.' || path[hubPath.length] === '[')) {
      return spokePath + path.slice(hubPath.length);
    }
  }
  return path;
}

const FIELD_PATHS: ReadonlyArray<readonly [string, string]> = [
  ['spec.instanceClass', 'spec.size'],
  ['spec.storage.sizeGiB', 'spec.storage'],
  ['spec.storage.type', 'spec.storageType'],
  ['spec.storage.iops', 'spec.iops'],
  ['status.rdsStatus', 'status.ready'],
];

/**
 * The hub keeps a string spelling so "10" does not come back as 10. A stale spelling carried over from
 * the hub survives while the spoke still shows what the hub would render from it.
 */
function storageSpellingToRemember(
  storage: unknown,
  sizeGiB: number | undefined,
  carried: string | undefined,
): string | undefined {
  if (carried !== undefined && renderStorage(sizeGiB, carried) === storage) return carried;
  return typeof storage === 'string' ? storage : undefined;
}

/** Mapped fields always come from the spoke: an edit through v1alpha1 wins over anything kept. */
function hubSpec(
  spec: v1alpha1.PostgresDBSpec,
  sizeGiB: number | undefined,
  kept: JsonObject,
): v1beta1.PostgresDBSpec {
  const { instanceClass: _class, storage: keptStorage, ...keptSpec } = kept;
  const { sizeGiB: _size, type: _type, iops: _iops, ...keptStorageRest } = (keptStorage ?? {}) as JsonObject;
  return withoutUndefined({
    instanceClass: spec.size,
    storage: withoutUndefined({ type: spec.storageType, sizeGiB, iops: spec.iops, ...keptStorageRest }),
    ...keptSpec,
  }) as v1beta1.PostgresDBSpec;
}

function hubStatus(status: v1alpha1.PostgresDBStatus, kept: JsonObject): v1beta1.PostgresDBStatus {
  const { rdsStatus: _rdsStatus, arn: _arn, ...keptStatus } = kept;
  return withoutUndefined({ ...keptStatus, rdsStatus: status.ready, arn: status.arn });
}

function readHubOnlyData(metadata: v1alpha1.PostgresDB['metadata']): HubOnlyData {
  const data = readConversionAnnotation(metadata);
  if (data === undefined) return {};
  const hubOnly = expectKeys(expectKeys(data, 'the value', [HUB_VERSION])[HUB_VERSION], HUB_VERSION, [
    'spec',
    'status',
    'storageSpelling',
  ]);
  if (hubOnly.spec !== undefined) {
    const spec = expectObject(hubOnly.spec, `${HUB_VERSION}.spec`);
    if (spec.storage !== undefined) expectObject(spec.storage, `${HUB_VERSION}.spec.storage`);
  }
  if (hubOnly.status !== undefined) expectObject(hubOnly.status, `${HUB_VERSION}.status`);
  expectStorageSpelling(hubOnly.storageSpelling, `${HUB_VERSION}.storageSpelling`);
  return hubOnly as HubOnlyData;
}

function readSpokeOnlyData(metadata: v1beta1.PostgresDB['metadata']): SpokeOnlyData {
  const data = readConversionAnnotation(metadata);
  if (data === undefined) return {};
  const spokeOnly = expectKeys(expectKeys(data, 'the value', [SPOKE_VERSION])[SPOKE_VERSION], SPOKE_VERSION, [
    'storage',
  ]);
  expectStorageSpelling(spokeOnly.storage, `${SPOKE_VERSION}.storage`);
  return spokeOnly as SpokeOnlyData;
}

function expectStorageSpelling(value: unknown, path: string): void {
  if (value !== undefined && (typeof value !== 'string' || !/^[0-9]+$/.test(value))) {
    throw annotationError(`${path} must be a string of digits (got ${showValue(value)})`);
  }
}
