export { type RdsErrorKind, RdsError, isRdsError } from './errors.js';
export { LIST_PAGE_SIZE, SdkRdsGateway, type SdkGatewayOptions } from './sdk-gateway.js';
export type * from './types.js';
