// Windows, backups, tags, security groups, KMS keys, engine versions, warnings, shape errors,
// and that every violation is reported together.
import fc from 'fast-check';
import t from 'tap';
import type { PostgresDB } from '../../../../src/api/v1beta1.js';
import { fieldError } from '../../../../src/admission/rules/field-error.js';
import {
  formatFieldError,
  formatFieldErrors,
  validateCreate,
  validateShape,
} from '../../../../src/admission/rules/index.js';
import {
  validateBackupRetention,
  validateEngineVersion,
  validateKmsKey,
  validateSecurityGroups,
  validateTags,
} from '../../../../src/admission/rules/settings.js';
import {
  validateBackupWindow,
  validateMaintenanceWindow,
  validateWindowsDoNotOverlap,
} from '../../../../src/admission/rules/windows.js';
import { CONFIG, configWith, createErrors, db, formatted } from '../../../support/postgresdb.js';

const ok = (errors: unknown[]) => errors.length === 0;

t.test('backup window: hh24:mi-hh24:mi, at least 30 minutes', async (t) => {
  t.same(validateBackupWindow(undefined), []);
  t.same(validateBackupWindow('03:00-03:30'), [], '30 minutes accepted');
  t.same(createErrors({ backup: { window: '03:00-03:29' } }), [
    'spec.backup.window: must be at least 30 minutes long (got "03:00-03:29")',
  ]);
  t.same(validateBackupWindow('23:45-00:15'), [], '30 minutes across midnight accepted');
  t.notOk(ok(validateBackupWindow('23:45-00:14')), '29 minutes across midnight refused');
  t.same(validateBackupWindow('00:00-23:59'), [], 'almost a day accepted');
  t.notOk(ok(validateBackupWindow('03:00-03:00')), 'empty window refused');
  for (const bad of [
    '3:00-04:00',
    '24:00-01:00',
    '03:60-04:00',
    '03:00 - 04:00',
    '03:00-04:00Z',
    '0300-0400',
    'sun:03:00-sun:04:00',
    '',
  ]) {
    t.same(
      validateBackupWindow(bad).map((e) => e.message),
      ['must be a UTC time range hh24:mi-hh24:mi, e.g. 03:00-04:00'],
      `${JSON.stringify(bad)} refused as syntax`,
    );
  }
});

t.test('maintenance window: ddd:hh24:mi-ddd:hh24:mi, at least 30 minutes', async (t) => {
  t.same(validateMaintenanceWindow(undefined), []);
  t.same(validateMaintenanceWindow('sun:05:00-sun:05:30'), [], '30 minutes accepted');
  t.same(createErrors({ maintenanceWindow: 'sun:05:00-sun:05:29' }), [
    'spec.maintenanceWindow: must be at least 30 minutes long (got "sun:05:00-sun:05:29")',
  ]);
  t.same(validateMaintenanceWindow('Sun:05:00-SUN:06:00'), [], 'day names are case-insensitive');
  t.same(validateMaintenanceWindow('tue:23:45-wed:00:15'), [], 'across midnight');
  t.same(validateMaintenanceWindow('sun:23:45-mon:00:15'), [], 'across the end of the week (sun → mon)');
  t.notOk(ok(validateMaintenanceWindow('sun:23:45-mon:00:14')), '29 minutes across sun → mon refused');
  t.same(validateMaintenanceWindow('mon:05:00-sun:05:00'), [], 'six days long');
  t.notOk(ok(validateMaintenanceWindow('sun:05:00-sun:05:00')), 'empty window refused');
  for (const bad of [
    'sunday:05:00-sunday:06:00',
    'sun:5:00-sun:06:00',
    'sun 05:00-sun 06:00',
    'sun:05:00-06:00',
    'xyz:05:00-sun:06:00',
    'sun:24:00-mon:01:00',
    '05:00-06:00',
    '',
  ]) {
    t.same(
      validateMaintenanceWindow(bad).map((e) => e.message),
      ['must be a UTC range ddd:hh24:mi-ddd:hh24:mi, e.g. sun:05:00-sun:06:00'],
      `${JSON.stringify(bad)} refused as syntax`,
    );
  }
});

t.test('backup and maintenance windows must not overlap', async (t) => {
  const clash = (backup: string, maintenance: string) =>
    validateWindowsDoNotOverlap(backup, maintenance).length > 0;
  t.notOk(clash('03:00-04:00', 'sun:05:00-sun:06:00'), 'apart');
  t.ok(clash('05:30-06:30', 'sun:05:00-sun:06:00'), 'overlapping on sunday');
  t.ok(clash('04:59-05:30', 'sun:05:00-sun:06:00'), 'one minute of overlap');
  t.notOk(clash('04:00-05:00', 'sun:05:00-sun:06:00'), 'backup ends when maintenance starts');
  t.notOk(clash('06:00-07:00', 'sun:05:00-sun:06:00'), 'backup starts when maintenance ends');
  t.ok(clash('05:00-06:00', 'wed:04:00-wed:07:00'), 'contained, on another weekday');
  t.ok(clash('01:00-08:00', 'fri:04:00-fri:05:00'), 'containing');

  // Backup window wrapping midnight.
  t.ok(clash('23:30-00:30', 'wed:00:00-wed:00:30'), 'backup across midnight reaches into wednesday morning');
  t.notOk(clash('23:30-00:30', 'wed:00:30-wed:01:00'), 'backup across midnight, maintenance right after');
  t.ok(clash('23:45-00:15', 'mon:00:00-mon:00:30'), "sunday's backup across midnight reaches into monday");
  t.notOk(
    clash('23:45-00:15', 'mon:00:15-mon:00:45'),
    "sunday's backup ends when monday's maintenance starts",
  );

  // Maintenance window wrapping midnight and the end of the week.
  t.ok(clash('00:00-00:30', 'tue:23:45-wed:00:15'), 'maintenance across midnight');
  t.notOk(clash('23:00-23:45', 'tue:23:45-wed:00:15'), 'maintenance across midnight, backup right before');
  t.notOk(clash('00:15-00:45', 'tue:23:45-wed:00:15'), 'maintenance across midnight, backup right after');
  t.ok(clash('00:00-00:30', 'sun:23:30-mon:00:30'), 'maintenance across sun → mon, backup on monday morning');
  t.ok(clash('23:45-00:15', 'sun:23:30-mon:00:30'), 'both across midnight');
  t.notOk(clash('23:00-23:30', 'sun:23:30-mon:00:30'), 'sun → mon, backup right before');
  t.notOk(clash('00:30-01:00', 'sun:23:30-mon:00:30'), 'sun → mon, backup right after');
  t.ok(
    clash('12:00-12:30', 'mon:00:00-sun:00:00'),
    'a six-day maintenance window clashes with every daily backup',
  );

  t.same(
    createErrors({ backup: { window: '05:30-06:30' }, maintenanceWindow: 'sun:05:00-sun:06:00' }),
    ['spec.backup.window: must not overlap spec.maintenanceWindow "sun:05:00-sun:06:00" (got "05:30-06:30")'],
    'exact message, reported once even though the backup window repeats daily',
  );
  t.same(
    validateWindowsDoNotOverlap('bad', 'sun:05:00-sun:06:00'),
    [],
    'a malformed window is reported by its own rule only',
  );
  t.same(validateWindowsDoNotOverlap(undefined, 'sun:05:00-sun:06:00'), []);
  t.same(validateWindowsDoNotOverlap('05:00-06:00', undefined), []);
});

t.test('scheduled password rotation: 1-3650 days', async (t) => {
  t.same(createErrors({ passwordRotation: { everyDays: 1 } }), []);
  t.same(createErrors({ passwordRotation: { everyDays: 3650 } }), []);
  t.same(createErrors({ passwordRotation: { everyDays: 0 } }), [
    'spec.passwordRotation.everyDays: must be between 1 and 3650 (got 0)',
  ]);
});

t.test('backup retention: 0-35 days', async (t) => {
  t.same(validateBackupRetention(0), [], '0 accepted');
  t.same(validateBackupRetention(35), [], '35 accepted');
  t.same(createErrors({ backup: { retentionDays: 36 } }), [
    'spec.backup.retentionDays: must be between 0 and 35 (got 36)',
  ]);
  t.same(createErrors({ backup: { retentionDays: -1 } }), [
    'spec.backup.retentionDays: must be between 0 and 35 (got -1)',
  ]);
});

t.test('tags', async (t) => {
  t.same(validateTags(undefined, 0), []);
  t.same(
    validateTags(
      { team: 'payments', 'cost-center': '42', équipe: 'paiements', 'a b': 'x y', 'k_.:/=+-@': '' },
      0,
    ),
    [],
  );
  for (const reserved of ['aws:team', 'AWS:Team', 'rds:team', 'stow.dev/name', 'Stow.Dev/uid']) {
    t.same(
      validateTags({ [reserved]: 'x' }, 0).map(formatFieldError),
      [
        `spec.tags[${reserved}]: key is reserved (keys starting with aws:, rds:, stow.dev/ are managed by AWS or Stow) (got "${reserved}")`,
      ],
      `${reserved} refused`,
    );
  }
  t.same(validateTags({ 'example.com/aws:team': 'x', 'stow.dev': 'x' }, 0), [], 'reserved only as a prefix');
  t.same(validateTags({ ['k'.repeat(128)]: 'x' }, 0), [], 'key of 128 accepted');
  t.same(
    validateTags({ ['k'.repeat(129)]: 'x' }, 0).map((e) => e.message),
    ['key must be 1-128 letters, digits, spaces or _ . : / = + - @'],
  );
  t.same(
    validateTags({ '': 'x' }, 0).map((e) => e.message),
    ['key must be 1-128 letters, digits, spaces or _ . : / = + - @'],
  );
  t.same(
    validateTags({ 'team#1': 'x' }, 0).map((e) => e.message),
    ['key must be 1-128 letters, digits, spaces or _ . : / = + - @'],
  );
  t.same(validateTags({ team: 'v'.repeat(256) }, 0), [], 'value of 256 accepted');
  t.same(validateTags({ team: '' }, 0), [], 'empty value accepted');
  t.same(
    validateTags({ team: 'v'.repeat(257) }, 0).map((e) => e.path),
    ['spec.tags[team]'],
    'value of 257 refused',
  );
  t.same(createErrors({ tags: { team: 'a,b' } }), [
    'spec.tags[team]: value must be at most 256 letters, digits, spaces or _ . : / = + - @ (got "a,b")',
  ]);
  t.same(
    validateTags({ 'aws:x': 'a;b' }, 0).length,
    2,
    'a bad key and a bad value of one tag are both reported',
  );

  const tags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`tag${i}`, 'v']));
  t.same(validateTags(tags(45), 0), [], '45 = 50 - 5 managed tags accepted');
  t.same(validateTags(tags(46), 0).map(formatFieldError), [
    'spec.tags: may hold at most 45 tags (RDS allows 50; Stow and the operator configuration use the rest) (got 46)',
  ]);
  const config = configWith({ extraTags: { env: 'prod', owner: 'platform' } });
  t.same(
    formatted(validateCreate(db({ tags: tags(43) }), config)),
    [],
    'with 2 configured extra tags: 43 accepted',
  );
  t.same(formatted(validateCreate(db({ tags: tags(44) }), config)), [
    'spec.tags: may hold at most 43 tags (RDS allows 50; Stow and the operator configuration use the rest) (got 44)',
  ]);
});

t.test('security group ids', async (t) => {
  t.same(validateSecurityGroups(undefined), []);
  t.same(validateSecurityGroups(['sg-12345678', 'sg-0123456789abcdef0']), [], '8 and 17 hex digits');
  for (const bad of [
    'sg-1234567',
    'sg-123456789',
    'sg-0123456789abcdef',
    'sg-0123456789ABCDEF0',
    'sg_12345678',
    'sg-1234567g',
    '',
  ]) {
    t.notOk(ok(validateSecurityGroups([bad])), `${JSON.stringify(bad)} refused`);
  }
  t.same(createErrors({ securityGroupIds: ['sg-12345678', 'default', 'sg-123'] }), [
    'spec.securityGroupIds[1]: must be a VPC security group id like sg-0123456789abcdef0 (got "default")',
    'spec.securityGroupIds[2]: must be a VPC security group id like sg-0123456789abcdef0 (got "sg-123")',
  ]);
});

t.test('KMS key forms', async (t) => {
  for (const good of [
    undefined,
    '',
    'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    'arn:aws:kms:eu-west-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab',
    'arn:aws:kms:us-east-1:123456789012:alias/orders',
    'arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    'arn:aws-cn:kms:cn-north-1:123456789012:alias/orders',
    'alias/orders',
    'alias/aws/rds',
    '1234abcd-12ab-34cd-56ef-1234567890ab',
    'mrk-1234abcd12ab34cd56ef1234567890ab',
  ]) {
    t.same(validateKmsKey(good), [], `${good} accepted`);
  }
  for (const bad of [
    'orders',
    'alias/',
    'alias/orders key',
    'arn:aws:kms:us-east-1:12345:key/1234abcd-12ab-34cd-56ef-1234567890ab',
    'arn:aws:s3:::bucket',
    '1234ABCD-12AB-34CD-56EF-1234567890AB',
    '1234abcd12ab34cd56ef1234567890ab',
    'mrk-1234',
  ]) {
    t.notOk(ok(validateKmsKey(bad)), `${bad} refused`);
  }
  t.same(createErrors({ encryption: { kmsKeyId: 'orders' } }), [
    'spec.encryption.kmsKeyId: must be a KMS key ARN, key id, alias/NAME or alias ARN (got "orders")',
  ]);
});

t.test('engine version format', async (t) => {
  for (const good of [undefined, '16', '16.4', '9', '17.0'])
    t.same(validateEngineVersion(good), [], `${good} accepted`);
  for (const bad of ['16.4.1', 'v16', '16.', '.4', '', 'latest', '16.x', ' 16']) {
    t.notOk(ok(validateEngineVersion(bad)), `${JSON.stringify(bad)} refused`);
  }
  t.same(createErrors({ engineVersion: '16.4.1' }), [
    'spec.engineVersion: must be a PostgreSQL major version ("16") or major.minor ("16.4") (got "16.4.1")',
  ]);
});

t.test('warnings', async (t) => {
  const warnings = (object: PostgresDB) => validateCreate(object, CONFIG).warnings;
  t.same(warnings(db()), [], 'none for the defaults');
  t.same(warnings(db({ storage: { type: 'standard', sizeGiB: 100 } })), [
    'spec.storage.type: standard is legacy magnetic storage with low, unpredictable performance; use gp3',
  ]);
  t.same(warnings(db({ deletionPolicy: 'Delete' })), [
    'spec.deletionPolicy: Delete removes the instance without a final snapshot when this resource is deleted, and its automated backups too (spec.backup.keepAfterDeletion: true keeps them)',
  ]);
  t.same(warnings(db({ deletionPolicy: 'Delete', backup: { keepAfterDeletion: true } })), [
    'spec.deletionPolicy: Delete removes the instance without a final snapshot when this resource is deleted; its automated backups are kept until their retention period ends',
  ]);
  t.same(warnings(db({ publiclyAccessible: true })), [
    'spec.publiclyAccessible: the instance gets a public IP address',
  ]);
  t.same(warnings(db({ backup: { retentionDays: 0 } })), [
    'spec.backup.retentionDays: 0 disables automated backups and point-in-time recovery',
  ]);
  t.same(warnings(db({ deletionProtection: true })), [
    'spec.deletionProtection: deleting this resource will wait until deletion protection is turned off',
  ]);
  t.same(
    warnings(db({ deletionProtection: true, deletionPolicy: 'Retain' })),
    [],
    'Retain never deletes the instance',
  );
  t.same(
    warnings(
      db({
        storage: { type: 'standard', sizeGiB: 100 },
        deletionPolicy: 'Delete',
        publiclyAccessible: true,
        backup: { retentionDays: 0 },
      }),
    ).length,
    4,
    'all warnings together',
  );
  const result = validateCreate(db({ storage: { type: 'standard', sizeGiB: 1 } }), CONFIG);
  t.equal(result.errors.length, 1, 'warnings accompany errors');
  t.equal(result.warnings.length, 1);
});

t.test('configuration defaults feed the warnings', async (t) => {
  const config = configWith({ defaults: { deletionPolicy: 'Delete', backupRetentionDays: 0 } });
  t.same(validateCreate(db(), config).warnings, [
    'spec.deletionPolicy: Delete removes the instance without a final snapshot when this resource is deleted, and its automated backups too (spec.backup.keepAfterDeletion: true keeps them)',
    'spec.backup.retentionDays: 0 disables automated backups and point-in-time recovery',
  ]);
});

t.test('every violation is reported together in one result', async (t) => {
  const object = db(
    {
      instanceClass: 't3.small',
      engineVersion: 'sixteen',
      storage: { type: 'io1', sizeGiB: 50 },
      databaseName: '1db',
      masterUsername: 'user',
      backup: { retentionDays: 40, window: '03:00-03:10' },
      maintenanceWindow: 'sunday',
      encryption: { kmsKeyId: 'my-key' },
      subnetGroupName: 'default',
      securityGroupIds: ['sg-1'],
      parameterGroupName: 'pg-',
      tags: { 'aws:owner': 'me' },
      secretName: 'Secret',
      serviceName: 'svc.name',
    },
    { name: 'orders-db', annotations: { 'stow.dev/identifier': 'Orders' } },
  );
  const result = validateCreate(object, CONFIG);
  t.same(
    result.errors.map((e) => e.path),
    [
      'spec.instanceClass',
      'spec.engineVersion',
      'spec.storage.sizeGiB',
      'spec.storage.iops',
      'spec.databaseName',
      'spec.masterUsername',
      'spec.backup.retentionDays',
      'spec.backup.window',
      'spec.maintenanceWindow',
      'spec.encryption.kmsKeyId',
      'spec.subnetGroupName',
      'spec.securityGroupIds[0]',
      'spec.parameterGroupName',
      'spec.tags[aws:owner]',
      'spec.secretName',
      'spec.serviceName',
      'metadata.annotations[stow.dev/identifier]',
    ],
    'one error per broken rule, all of them',
  );
  const message = formatFieldErrors(result.errors);
  t.match(
    message,
    'spec.storage.sizeGiB: must be at least 100 for storage type io1 (got 50); spec.storage.iops: is required',
  );
  t.match(message, 'spec.backup.retentionDays: must be between 0 and 35 (got 40)');
});

t.test('formatting', async (t) => {
  t.equal(
    formatFieldError(fieldError('spec.storage.sizeGiB', 'must be at least 100 for storage type io1', 50)),
    'spec.storage.sizeGiB: must be at least 100 for storage type io1 (got 50)',
    'the example of api.md',
  );
  t.equal(
    formatFieldError(fieldError('spec.x', 'is bad', 'a"b')),
    'spec.x: is bad (got "a\\"b")',
    'strings are quoted',
  );
  t.equal(formatFieldError(fieldError('spec.x', 'is bad', null)), 'spec.x: is bad (got null)');
  t.equal(formatFieldError(fieldError('spec.x', 'is bad', ['a', 1])), 'spec.x: is bad (got ["a",1])');
  t.equal(
    formatFieldError(fieldError('spec.x', 'is required')),
    'spec.x: is required',
    'no value, no "(got …)"',
  );
  t.equal(formatFieldErrors([fieldError('a', 'x'), fieldError('b', 'y', 1)]), 'a: x; b: y (got 1)');
});

t.test('shape errors are reported with paths and never throw', async (t) => {
  const create = (spec: unknown, metadata: unknown = { name: 'orders-db' }) =>
    formatted(
      validateCreate(
        { apiVersion: 'stow.dev/v1beta1', kind: 'PostgresDB', metadata, spec } as PostgresDB,
        CONFIG,
      ),
    );
  t.same(create(undefined), ['spec: is required and must be an object (got null)']);
  t.same(create(null), ['spec: is required and must be an object (got null)']);
  t.same(create('big'), ['spec: is required and must be an object (got "big")']);
  t.same(
    create({ instanceClass: 'db.t3.small' }),
    ['spec.storage: is required'],
    'missing storage, reported once',
  );
  t.same(create({ instanceClass: 'db.t3.small', storage: {} }), ['spec.storage.sizeGiB: is required']);
  t.same(create({ storage: { sizeGiB: 20 } }), ['spec.instanceClass: is required']);
  t.same(create({ instanceClass: 'db.t3.small', storage: null }), [
    'spec.storage: expected object (got null)',
  ]);
  t.same(
    create({
      instanceClass: 5,
      storage: { sizeGiB: '20', type: 'gp4', iops: 1.5 },
      multiAZ: 'yes',
      securityGroupIds: ['sg-12345678', 7],
      tags: { team: 1, 'a/b': 2 },
      backup: { retentionDays: '7' },
      deletionPolicy: 'Keep',
    }),
    [
      'spec.instanceClass: expected string (got 5)',
      'spec.storage.type: must be one of gp2, gp3, io1, io2, standard (got "gp4")',
      'spec.storage.sizeGiB: expected integer (got "20")',
      'spec.storage.iops: expected integer (got 1.5)',
      'spec.multiAZ: expected boolean (got "yes")',
      'spec.backup.retentionDays: expected integer (got "7")',
      'spec.deletionPolicy: must be one of Delete, Snapshot, Retain (got "Keep")',
      'spec.securityGroupIds[1]: expected string (got 7)',
      'spec.tags.team: expected string (got 1)',
      'spec.tags[a/b]: expected string (got 2)',
    ],
    'every wrong type, with its path',
  );
  t.same(
    create({ instanceClass: 'db.t3.small', storage: { sizeGiB: 20 } }, undefined),
    [],
    'no metadata: no throw',
  );
  t.same(
    validateShape({ instanceClass: 'db.t3.small', storage: { sizeGiB: 20 }, unknownField: 1 }),
    [],
    'unknown fields pass',
  );
  t.doesNotThrow(() => validateCreate(null as unknown as PostgresDB, CONFIG), 'not even an object');

  // Metadata as the API server hands it over (strings where it has strings), or missing altogether.
  const metadata = fc.option(
    fc.record(
      { name: fc.string(), generateName: fc.string(), annotations: fc.dictionary(fc.string(), fc.string()) },
      { requiredKeys: [] },
    ),
    { nil: undefined },
  );
  fc.assert(
    fc.property(fc.anything(), metadata, (spec, metadata) => {
      validateCreate(
        { apiVersion: 'stow.dev/v1beta1', kind: 'PostgresDB', metadata, spec } as PostgresDB,
        CONFIG,
      );
    }),
    { numRuns: 300 },
  );
  fc.assert(
    fc.property(metadata, (metadata) => {
      validateCreate({ ...db(), metadata } as PostgresDB, CONFIG);
    }),
    { numRuns: 300 },
  );
  t.pass('arbitrary values never throw');
});
