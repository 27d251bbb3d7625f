import { showValue } from '../../util/show-value.js';

export interface FieldError {
  /** Dotted field path, e.g. `spec.storage.iops`. */
  path: string;
  message: string;
  /** The offending value, echoed in the message as `(got …)`; omitted when there is none. */
  value?: unknown;
}

export function fieldError(path: string, message: string, value?: unknown): FieldError {
  return value === undefined ? { path, message } : { path, message, value };
}

/** The message and the offending value, without the path. */
export function fieldErrorReason(error: FieldError): string {
  return 'value' in error ? `${error.message} (got ${showValue(error.value)})` : error.message;
}

export function formatFieldError(error: FieldError): string {
  return `${error.path}: ${fieldErrorReason(error)}`;
}

export function formatFieldErrors(errors: FieldError[]): string {
  return errors.map(formatFieldError).join('; ');
}

/** A name the user never wrote (a default, derived from `source`) needs saying where it came from. */
export function explainDerivedName(
  errors: FieldError[],
  derived: boolean,
  source = 'metadata.name',
): FieldError[] {
  if (!derived || errors.length === 0) return errors;
  return errors.map((error) => ({
    ...error,
    message: `${error.message}; it defaults to ${source}, so set ${error.path} explicitly`,
  }));
}
