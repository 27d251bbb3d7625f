import { GROUP, HUB_VERSION } from '../api/constants.js';
import type * as v1alpha1Api from '../api/v1alpha1.js';
import type * as v1beta1Api from '../api/v1beta1.js';
import { ConversionError } from './conversion-error.js';
import { isJsonObject, type JsonObject } from '../util/json-object.js';
import * as v1alpha1 from './v1alpha1.js';
import { showValue } from '../util/show-value.js';
import { fieldErrorReason } from '../admission/rules/field-error.js';
import { validateMetadataShape } from '../admission/rules/metadata.js';

/** Hub and spoke: every version converts to and from the hub (v1beta1), never directly to another spoke. */
export interface VersionConverter {
  toHub(object: JsonObject): JsonObject;
  fromHub(hub: JsonObject): JsonObject;
  /** Where a hub field path points in this version, for messages about a request made in it. */
  fieldPathFromHub(path: string): string;
}

const hub: VersionConverter = {
  toHub: (object) => object,
  fromHub: (object) => object,
  fieldPathFromHub: (path) => path,
};

const v1alpha1Converter: VersionConverter = {
  toHub: (object) => v1alpha1.toHub(convertible<v1alpha1Api.PostgresDB>(object)),
  fromHub: (object) => v1alpha1.fromHub(convertible<v1beta1Api.PostgresDB>(object)),
  fieldPathFromHub: v1alpha1.fieldPathFromHub,
};

export const converters: Readonly<Record<string, VersionConverter>> = {
  v1alpha1: v1alpha1Converter,
  [HUB_VERSION]: hub,
};

/** Start-up check: refuses to run when a served version could not be converted. */
export function assertEveryServedVersionConverts(servedVersions: readonly string[]): void {
  const missing = servedVersions.filter((version) => !Object.hasOwn(converters, version));
  if (missing.length > 0) {
    throw new Error(
      `no converter for served version(s) ${missing.join(', ')} of ${GROUP}; ` +
        `add one in src/conversion/converters.ts (known: ${Object.keys(converters).join(', ')})`,
    );
  }
}

/** The version part of `stow.dev/<version>`, when Stow has a converter for it. */
export function knownVersion(apiVersion: unknown): string | undefined {
  if (typeof apiVersion !== 'string' || !apiVersion.startsWith(`${GROUP}/`)) return undefined;
  const version = apiVersion.slice(GROUP.length + 1);
  return Object.hasOwn(converters, version) ? version : undefined;
}

export function converterFor(apiVersion: unknown, field: string): VersionConverter {
  const version = knownVersion(apiVersion);
  if (version !== undefined) return converters[version]!;
  const known = Object.keys(converters).map((name) => `${GROUP}/${name}`);
  throw new ConversionError(
    field,
    `${showValue(apiVersion)} is not a version Stow converts (known: ${known.join(', ')})`,
  );
}

/** The object in `desiredAPIVersion`; an object already in that version is returned as it is. */
export function convertObject(object: JsonObject, desiredAPIVersion: string): JsonObject {
  if (object.apiVersion === desiredAPIVersion) return object;
  const source = converterFor(object.apiVersion, 'apiVersion');
  const target = converterFor(desiredAPIVersion, 'desiredAPIVersion');
  return target.fromHub(source.toHub(object));
}

/**
 * The object, once the parts a converter reads or rewrites are known to be objects: copying fields
 * out of a string or null would garble the object rather than fail (`{ ...'abc' }` is `{0:'a',…}`).
 */
function convertible<T>(object: JsonObject): T {
  if (!isJsonObject(object.spec)) throw new ConversionError('spec', 'must be an object');
  if (object.metadata !== undefined) {
    const [problem] = validateMetadataShape(object.metadata);
    if (problem) throw new ConversionError(problem.path, fieldErrorReason(problem));
  }
  if (object.status !== undefined && !isJsonObject(object.status)) {
    throw new ConversionError('status', `must be an object (got ${showValue(object.status)})`);
  }
  return object as T;
}
