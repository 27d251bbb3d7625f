import t from 'tap';
import { RdsError, toRdsError } from '../../../src/aws/errors.js';

/** An error shaped as the SDK throws it for an RDS error response. */
function sdkError(name: string, httpStatusCode?: number, extra: Record<string, unknown> = {}) {
  return Object.assign(new Error(`${name} happened`), {
    name,
    ...(httpStatusCode === undefined ? {} : { $metadata: { httpStatusCode } }),
    ...extra,
  });
}

t.test('RDS answers by code, throttling and transience as the SDK classifies them', async (t) => {
  const cases: Array<[Error, string]> = [
    [sdkError('DBInstanceNotFoundFault', 404), 'NotFound'],
    [sdkError('DBSnapshotNotFound', 404), 'NotFound'],
    [sdkError('DBInstanceAlreadyExistsFault', 400), 'AlreadyExists'],
    [sdkError('InvalidDBInstanceStateFault', 400), 'InvalidState'],
    [sdkError('Throttling', 400), 'Throttled'],
    [sdkError('ThrottlingException', 400), 'Throttled'],
    [sdkError('RequestLimitExceeded', 400), 'Throttled'],
    [sdkError('SomethingNew', 429), 'Throttled'],
    [sdkError('InternalFailure', 500), 'Transient'],
    [sdkError('ServiceUnavailable', 503), 'Transient'],
    [sdkError('TimeoutError'), 'Transient'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'Transient'],
    [new Error('no answer at all'), 'Transient'],
    [sdkError('InvalidParameterValue', 400), 'Rejected'],
    [sdkError('InvalidParameterCombination', 400), 'Rejected'],
    [sdkError('StorageQuotaExceeded', 400), 'Rejected'],
  ];
  for (const [error, kind] of cases) {
    const mapped = toRdsError(error);
    t.ok(mapped instanceof RdsError, error.name);
    t.equal(
      (mapped as RdsError).kind,
      kind,
      `${error.name}${(error as { code?: string }).code ? ` (${(error as { code?: string }).code})` : ''}`,
    );
  }
  const abort = Object.assign(new Error('aborted'), { name: 'AbortError' });
  t.equal(toRdsError(abort), abort, 'an abort is passed through');
  t.match(
    (toRdsError(sdkError('InvalidParameterValue', 400)) as RdsError).message,
    /^InvalidParameterValue: /,
  );
});
