/** An error answered to the client as an awsQuery `<ErrorResponse>`. */
export class RdsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly httpStatus = 400,
  ) {
    super(message);
    this.name = code;
  }

  get type(): 'Sender' | 'Receiver' {
    return this.httpStatus >= 500 ? 'Receiver' : 'Sender';
  }
}

export const invalidParameterValue = (message: string) => new RdsError('InvalidParameterValue', message);

export const invalidParameterCombination = (message: string) =>
  new RdsError('InvalidParameterCombination', message);

export const missingParameter = (name: string) =>
  new RdsError('MissingParameter', `The request must contain the parameter ${name}`);

export const dbInstanceNotFound = (id: string) =>
  new RdsError('DBInstanceNotFound', `DBInstance ${id} not found.`, 404);

export const dbInstanceAlreadyExists = () =>
  new RdsError('DBInstanceAlreadyExists', 'DB instance already exists');

export const invalidDbInstanceState = (message: string) => new RdsError('InvalidDBInstanceState', message);

export const dbSnapshotNotFound = (id: string) =>
  new RdsError('DBSnapshotNotFound', `DBSnapshot ${id} not found.`, 404);

export const dbSnapshotAlreadyExists = (id: string) =>
  new RdsError(
    'DBSnapshotAlreadyExists',
    `Cannot create the snapshot because a snapshot with the identifier ${id} already exists.`,
  );

export const throttling = () => new RdsError('Throttling', 'Rate exceeded');

export const internalFailure = () =>
  new RdsError(
    'InternalFailure',
    'The request processing has failed because of an unknown error, exception or failure.',
    500,
  );

export const serviceUnavailable = () =>
  new RdsError('ServiceUnavailable', 'The request has failed due to a temporary failure of the server.', 503);

export const missingAction = () =>
  new RdsError('MissingAction', 'The request must contain the parameter Action');

export const invalidAction = (action: string) =>
  new RdsError('InvalidAction', `The action ${action} is not valid for this web service.`);

export const invalidDbSnapshotState = (message: string) => new RdsError('InvalidDBSnapshotState', message);

export const invalidRestore = (message: string) => new RdsError('InvalidRestoreFault', message);

export const pointInTimeRestoreNotEnabled = (identifier: string) =>
  new RdsError(
    'PointInTimeRestoreNotEnabled',
    `Point-in-time restore is not enabled for DB instance ${identifier}: its backup retention period is 0.`,
  );
