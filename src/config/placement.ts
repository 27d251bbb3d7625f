import type { PostgresDB } from '../api/v1beta1.js';
import type { OperatorConfig } from './schema.js';

/** Settings where the resource defers to the operator configuration when it leaves them empty. */
export interface Placement {
  kmsKeyId?: string;
  subnetGroupName?: string;
  securityGroupIds?: string[];
  parameterGroupName?: string;
}

export function placementOf(spec: PostgresDB['spec'], config: OperatorConfig): Placement {
  const placement: Placement = {};
  const kmsKeyId = spec.encryption?.kmsKeyId || config.kmsKeyId;
  const subnetGroupName = spec.subnetGroupName || config.subnetGroupName;
  const securityGroupIds = spec.securityGroupIds?.length ? spec.securityGroupIds : config.securityGroupIds;
  const parameterGroupName = spec.parameterGroupName || config.parameterGroupName;
  if (kmsKeyId) placement.kmsKeyId = kmsKeyId;
  if (subnetGroupName) placement.subnetGroupName = subnetGroupName;
  if (securityGroupIds.length) placement.securityGroupIds = [...securityGroupIds];
  if (parameterGroupName) placement.parameterGroupName = parameterGroupName;
  return placement;
}
