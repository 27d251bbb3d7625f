import type { RdsError } from './errors.js';
import { element, wrap } from './xml.js';

const namespace = 'https://rds.amazonaws.com/doc/2014-10-31/';

export function successResponse(action: string, resultXml: string | undefined, requestId: string): string {
  const result = resultXml === undefined ? '' : wrap(`${action}Result`, resultXml);
  return (
    `<${action}Response xmlns="${namespace}">${result}` +
    `<ResponseMetadata>${element('RequestId', requestId)}</ResponseMetadata></${action}Response>`
  );
}

export function errorResponse(error: RdsError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${namespace}"><Error>${element('Type', error.type)}` +
    `${element('Code', error.code)}${element('Message', error.message)}</Error>` +
    `${element('RequestId', requestId)}</ErrorResponse>`
  );
}
