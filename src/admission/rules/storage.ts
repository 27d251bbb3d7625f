import type { StorageTypeRule, StorageRules } from '../../config/schema.js';
import type { StorageSpec, StorageType } from '../../api/v1beta1.js';
import { type FieldError, fieldError } from './field-error.js';

const P = 'spec.storage';

function checkSize(size: number, type: StorageType, rule: StorageTypeRule): FieldError[] {
  if (size < rule.sizeGiB.min)
    return [
      fieldError(`${P}.sizeGiB`, `must be at least ${rule.sizeGiB.min} for storage type ${type}`, size),
    ];
  if (size > rule.sizeGiB.max)
    return [fieldError(`${P}.sizeGiB`, `must be at most ${rule.sizeGiB.max} for storage type ${type}`, size)];
  return [];
}

function belowProvisioningThreshold(size: number, rule: StorageTypeRule): boolean {
  return rule.provisionedFromGiB !== undefined && size < rule.provisionedFromGiB;
}

function checkIops(storage: StorageSpec, type: StorageType, rule: StorageTypeRule): FieldError[] {
  const { iops, sizeGiB } = storage;
  const path = `${P}.iops`;
  if (iops === undefined) {
    return rule.iops.required ? [fieldError(path, `is required for storage type ${type}`)] : [];
  }
  if (!rule.iops.allowed) return [fieldError(path, `is not allowed for storage type ${type}`, iops)];
  if (belowProvisioningThreshold(sizeGiB, rule)) {
    return [
      fieldError(
        path,
        `is not allowed for ${type} below ${rule.provisionedFromGiB} GiB (sizeGiB is ${sizeGiB}; the volume gets its baseline IOPS)`,
        iops,
      ),
    ];
  }
  const errors: FieldError[] = [];
  const { min, max, minPerGiB, maxPerGiB } = rule.iops;
  if (min !== undefined && iops < min)
    errors.push(fieldError(path, `must be at least ${min} for storage type ${type}`, iops));
  if (max !== undefined && iops > max)
    errors.push(fieldError(path, `must be at most ${max} for storage type ${type}`, iops));
  const perGiB = iops / sizeGiB;
  // Enough digits that a ratio just past a bound never displays as the bound itself (0.49975, not 0.5).
  const ratio = () => `${Number(perGiB.toPrecision(10))} IOPS per GiB for ${sizeGiB} GiB`;
  if (minPerGiB !== undefined && perGiB < minPerGiB) {
    errors.push(
      fieldError(
        path,
        `must be at least ${minPerGiB} IOPS per GiB for storage type ${type} (${ratio()})`,
        iops,
      ),
    );
  }
  if (maxPerGiB !== undefined && perGiB > maxPerGiB) {
    errors.push(
      fieldError(
        path,
        `must be at most ${maxPerGiB} IOPS per GiB for storage type ${type} (${ratio()})`,
        iops,
      ),
    );
  }
  return errors;
}

function checkThroughput(storage: StorageSpec, type: StorageType, rule: StorageTypeRule): FieldError[] {
  const { throughputMiBps: throughput, sizeGiB } = storage;
  const path = `${P}.throughputMiBps`;
  if (throughput === undefined) return [];
  if (!rule.throughput.allowed)
    return [fieldError(path, `is not allowed for storage type ${type}`, throughput)];
  if (belowProvisioningThreshold(sizeGiB, rule)) {
    return [
      fieldError(
        path,
        `is not allowed for ${type} below ${rule.provisionedFromGiB} GiB (sizeGiB is ${sizeGiB}; the volume gets its baseline throughput)`,
        throughput,
      ),
    ];
  }
  const errors: FieldError[] = [];
  const { min, max, maxPerIops } = rule.throughput;
  if (min !== undefined && throughput < min)
    errors.push(fieldError(path, `must be at least ${min} for storage type ${type}`, throughput));
  if (max !== undefined && throughput > max)
    errors.push(fieldError(path, `must be at most ${max} for storage type ${type}`, throughput));
  const iops = storage.iops ?? rule.iops.min;
  if (maxPerIops !== undefined && iops !== undefined && throughput / iops > maxPerIops) {
    errors.push(
      fieldError(
        path,
        `must be at most ${maxPerIops} MiB/s per provisioned IOPS (${Math.floor(iops * maxPerIops)} for ${iops} IOPS)`,
        throughput,
      ),
    );
  }
  return errors;
}

export function minimumAutoscalingCeiling(sizeGiB: number, rules: StorageRules): number {
  return Math.ceil((sizeGiB * (100 + rules.autoscaling.minHeadroomPercent)) / 100);
}

function checkMaxSize(storage: StorageSpec, type: StorageType, rules: StorageRules): FieldError[] {
  const { maxSizeGiB, sizeGiB } = storage;
  if (maxSizeGiB === undefined) return [];
  const path = `${P}.maxSizeGiB`;
  const floor = minimumAutoscalingCeiling(sizeGiB, rules);
  if (maxSizeGiB < floor) {
    return [
      fieldError(
        path,
        `must be at least ${rules.autoscaling.minHeadroomPercent}% above sizeGiB ${sizeGiB}, i.e. at least ${floor}`,
        maxSizeGiB,
      ),
    ];
  }
  const ceiling = Math.min(rules.autoscaling.maxSizeGiB, rules[type].sizeGiB.max);
  if (maxSizeGiB > ceiling) {
    return [fieldError(path, `must be at most ${ceiling} for storage type ${type}`, maxSizeGiB)];
  }
  return [];
}

/** Size, IOPS, throughput and autoscaling limits for the storage type, from the rule table. */
export function validateStorage(storage: StorageSpec, type: StorageType, rules: StorageRules): FieldError[] {
  const rule = rules[type];
  const errors = checkSize(storage.sizeGiB, type, rule);
  for (const found of [
    checkIops(storage, type, rule),
    checkThroughput(storage, type, rule),
    checkMaxSize(storage, type, rules),
  ]) {
    if (found.length) errors.push(...found);
  }
  return errors;
}

export function storageWarnings(type: StorageType, rules: StorageRules): string[] {
  const warning = rules[type].warning;
  return warning ? [`spec.storage.type: ${warning}`] : [];
}
