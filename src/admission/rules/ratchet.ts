import type { ObjectMeta } from '../../api/meta.js';
import { canonicalJson } from '../../util/canonical-json.js';
import type { FieldError } from './field-error.js';

/** Any kind's object: the rules of PostgresDB and PostgresDatabase ratchet alike. */
interface KindObject {
  metadata?: ObjectMeta;
  spec?: unknown;
}

/**
 * The part of an object an error's path belongs to: a top-level spec field (`spec.storage.iops` →
 * the whole of spec.storage, since storage rules relate its fields), one annotation, or the path itself.
 */
function sectionOf(object: KindObject, path: string): unknown {
  const spec = /^spec\.([A-Za-z0-9]+)/.exec(path);
  if (spec) return (object.spec as Record<string, unknown> | undefined)?.[spec[1] as string];
  const annotation = /^metadata\.annotations\[(.+)\]$/.exec(path);
  if (annotation) return object.metadata?.annotations?.[annotation[1] as string];
  if (path === 'metadata.namespace') return object.metadata?.namespace;
  return object.spec;
}

/**
 * On UPDATE, only the errors in what the update changes: an object stored under older rules or an
 * older policy can still get unrelated edits (a new instance class, a label), while any change to the
 * offending part must meet today's rules.
 */
export function onlyChanged(errors: FieldError[], next: KindObject, previous: KindObject): FieldError[] {
  return errors.filter(
    (error) => canonicalJson(sectionOf(next, error.path)) !== canonicalJson(sectionOf(previous, error.path)),
  );
}

/**
 * Only the errors in fields the object sets itself. An adopting object leaves empty what the instance
 * already has, which admission cannot see: the controller checks those against the instance.
 */
export function onlyWritten(errors: FieldError[], object: KindObject): FieldError[] {
  return errors.filter((error) => sectionOf(object, error.path) !== undefined);
}
