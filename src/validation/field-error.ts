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

function show(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(JSON.stringify(value));
}

export function formatFieldError(error: FieldError): string {
  return 'value' in error
    ? `${error.path}: ${error.message} (got ${show(error.value)})`
    : `${error.path}: ${error.message}`;
}

export function formatFieldErrors(errors: FieldError[]): string {
  return errors.map(formatFieldError).join('; ');
}
