/** A value that cannot be represented in the target version; `field` is the path in the source object. */
export class ConversionError extends Error {
  constructor(
    readonly field: string,
    readonly reason: string,
  ) {
    super(`${field}: ${reason}`);
    this.name = 'ConversionError';
  }
}
