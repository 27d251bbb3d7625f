import { invalidParameterCombination, invalidParameterValue } from '../errors.js';
import type { StorageConfig, StorageType } from '../model.js';

interface StorageLimits {
  minGiB: number;
  maxGiB: number;
  /** Allowed IOPS-per-GiB ratio for provisioned IOPS types. */
  iopsPerGiB?: { min: number; max: number };
}

// AWS's limits for RDS for PostgreSQL.
const limitsByType: Readonly<Record<StorageType, StorageLimits>> = {
  gp2: { minGiB: 20, maxGiB: 65536 },
  gp3: { minGiB: 20, maxGiB: 65536 },
  io1: { minGiB: 100, maxGiB: 65536, iopsPerGiB: { min: 0.5, max: 50 } },
  io2: { minGiB: 100, maxGiB: 65536, iopsPerGiB: { min: 0.5, max: 1000 } },
  standard: { minGiB: 5, maxGiB: 3072 },
};

const gp3ProvisioningThresholdGiB = 400;
const gp3Iops = { min: 12000, max: 64000 };
const gp3Throughput = { min: 500, max: 4000 };
const provisionedIops = { min: 1000, max: 256000 };

export function parseStorageType(raw: string): StorageType {
  if (Object.hasOwn(limitsByType, raw)) return raw as StorageType;
  throw invalidParameterValue(`Invalid storage type: ${raw}. Valid values: gp2, gp3, io1, io2, standard.`);
}

/** What RDS reports for gp3 when no IOPS were provisioned: the volume's baseline. */
export function reportedIops(storage: StorageConfig): number | undefined {
  if (storage.iops !== undefined || storage.type !== 'gp3') return storage.iops;
  return storage.allocatedGiB < gp3ProvisioningThresholdGiB ? 3000 : gp3Iops.min;
}

export function reportedThroughput(storage: StorageConfig): number | undefined {
  if (storage.throughputMiBps !== undefined || storage.type !== 'gp3') return storage.throughputMiBps;
  return storage.allocatedGiB < gp3ProvisioningThresholdGiB ? 125 : gp3Throughput.min;
}

export function validateStorage(storage: StorageConfig): void {
  const { type, allocatedGiB: size, iops, throughputMiBps: throughput } = storage;
  const limits = limitsByType[type];
  if (size < limits.minGiB || size > limits.maxGiB) {
    throw invalidParameterCombination(
      `Invalid storage size for engine name postgres and storage type ${type}: ${size}`,
    );
  }
  if (type === 'gp3') {
    if (size < gp3ProvisioningThresholdGiB && (iops !== undefined || throughput !== undefined)) {
      throw invalidParameterCombination(
        `You can't specify IOPS or storage throughput for engine postgres and a storage size less than ${gp3ProvisioningThresholdGiB}.`,
      );
    }
    if (iops !== undefined) requireWithin('Iops', iops, gp3Iops);
    if (throughput !== undefined) {
      requireWithin('StorageThroughput', throughput, gp3Throughput);
      const effectiveIops = reportedIops(storage)!;
      if (throughput / effectiveIops > 0.25) {
        throw invalidParameterCombination(
          `The storage throughput to IOPS ratio of ${throughput}/${effectiveIops} exceeds the maximum of 0.25.`,
        );
      }
    }
    return;
  }
  if (throughput !== undefined) {
    throw invalidParameterCombination(`You can't specify storage throughput for storage type ${type}.`);
  }
  if (!limits.iopsPerGiB) {
    if (iops !== undefined) {
      throw invalidParameterCombination(`You can't specify IOPS for storage type ${type}.`);
    }
    return;
  }
  if (iops === undefined) {
    throw invalidParameterCombination(`You must specify IOPS for storage type ${type}.`);
  }
  requireWithin('Iops', iops, provisionedIops);
  const ratio = iops / size;
  if (ratio < limits.iopsPerGiB.min || ratio > limits.iopsPerGiB.max) {
    throw invalidParameterCombination(
      `The IOPS to GiB ratio (${iops}/${size}) must be between ${limits.iopsPerGiB.min} and ${limits.iopsPerGiB.max} for storage type ${type}.`,
    );
  }
}

export function validateMaxAllocatedStorage(maxGiB: number, storage: StorageConfig): void {
  // Integer arithmetic: `size * 1.1` in floating point refuses exact 10% steps (100 * 1.1 > 110).
  if (maxGiB * 10 < storage.allocatedGiB * 11) {
    throw invalidParameterValue(
      `Max storage size must be at least 10% greater than the allocated storage (${maxGiB} < ${storage.allocatedGiB} * 1.1).`,
    );
  }
  if (maxGiB > limitsByType[storage.type].maxGiB) {
    throw invalidParameterValue(
      `Max storage size ${maxGiB} exceeds the limit of ${limitsByType[storage.type].maxGiB} for storage type ${storage.type}.`,
    );
  }
}

export function validateStorageGrowth(fromGiB: number, toGiB: number): void {
  if (toGiB === fromGiB) return;
  if (toGiB < fromGiB) {
    throw invalidParameterValue(`Invalid storage size: ${toGiB}. The allocated storage cannot be decreased.`);
  }
  if (toGiB * 10 < fromGiB * 11) {
    throw invalidParameterCombination('The AllocatedStorage must be increased by at least 10%.');
  }
}

function requireWithin(parameter: string, value: number, range: { min: number; max: number }): void {
  if (value < range.min || value > range.max) {
    throw invalidParameterCombination(
      `Invalid ${parameter} ${value}: it must be between ${range.min} and ${range.max}.`,
    );
  }
}
