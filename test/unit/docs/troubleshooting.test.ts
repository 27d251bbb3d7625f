import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import t from 'tap';
import { RdsError, type RdsErrorKind } from '../../../src/aws/errors.js';
import { describeFailure } from '../../../src/controller/reconcile-error.js';
import { ACCESS_FAILURES } from '../../../src/engine/access.js';
import { buildStatus } from '../../../src/controller/status.js';
import { KubeApiError } from '../../../src/kube/client.js';
import { rdsInstanceIn } from '../../support/rds-instance.js';
import {
  filesUnder,
  REPO_ROOT,
  type ReasonSite,
  reasonSites,
  reconcileErrorsWithoutLiteralReason,
  undocumented,
} from '../../support/docs.js';

// Every reason Stow can put in a PostgresDB's conditions or in an Event must be explained in
// docs/troubleshooting.md. Reasons come from two places: literals in the code, found by scanning
// src/, and reasons computed at run time (from an RDS status, from an error kind), found by calling
// the functions that compute them.

const PAGE = join(REPO_ROOT, 'docs/troubleshooting.md');
const SRC = join(REPO_ROOT, 'src');

/** The DB instance statuses RDS documents ("Viewing Amazon RDS DB instance status"). */
const RDS_STATUSES = [
  'available',
  'backing-up',
  'configuring-enhanced-monitoring',
  'configuring-iam-database-auth',
  'configuring-log-exports',
  'converting-to-vpc',
  'creating',
  'delete-precheck',
  'deleting',
  'failed',
  'inaccessible-encryption-credentials',
  'inaccessible-encryption-credentials-recoverable',
  'incompatible-create',
  'incompatible-network',
  'incompatible-option-group',
  'incompatible-parameters',
  'incompatible-restore',
  'insufficient-capacity',
  'maintenance',
  'modifying',
  'moving-to-vpc',
  'rebooting',
  'renaming',
  'resetting-master-credentials',
  'restore-error',
  'starting',
  'stopped',
  'stopping',
  'storage-config-upgrade',
  'storage-full',
  'storage-initialization',
  'storage-optimization',
  'upgrading',
];

/** Every kind, so that a new kind fails to compile here until its reason is looked at. */
const RDS_ERROR_KINDS = {
  NotFound: true,
  AlreadyExists: true,
  InvalidState: true,
  Throttled: true,
  Transient: true,
  Rejected: true,
} satisfies Record<RdsErrorKind, true>;

const instance = rdsInstanceIn;

/** The Ready reasons buildStatus gives for every RDS status, with and without an endpoint, and none. */
function computedReadyReasons(): string[] {
  const now = new Date(0).toISOString();
  const base = { previous: undefined, generation: 1, identifier: 'stow-a-b-12345678', now };
  const statuses = [
    ...RDS_STATUSES.flatMap((status) => [
      buildStatus({ ...base, instance: instance(status, true) }),
      buildStatus({ ...base, instance: instance(status, false) }),
    ]),
    buildStatus({ ...base, instance: instance('', true) }),
    buildStatus({ ...base, instance: undefined }),
    buildStatus({ ...base, instance: instance('available', true), deleting: true }),
    buildStatus({ ...base, instanceObserved: false, failure: { reason: 'RdsThrottled', message: '' } }),
  ];
  return statuses.flatMap((status) => status.conditions?.map((condition) => condition.reason) ?? []);
}

/** The Synced reasons describeFailure gives for errors that carry no reason of their own. */
function computedFailureReasons(): string[] {
  const errors: unknown[] = [
    ...Object.keys(RDS_ERROR_KINDS).map((kind) => new RdsError(kind as RdsErrorKind, 'Code', 'message')),
    new KubeApiError(409, 'Conflict', '409 Conflict'),
    new KubeApiError(403, 'Forbidden', '403 Forbidden'),
    new Error('unexpected'),
  ];
  return errors.map((error) => describeFailure(error).reason);
}

function scannedSites(): Array<{ reason: string; site: ReasonSite; file: string }> {
  return filesUnder(SRC, '.ts').flatMap((file) =>
    reasonSites(readFileSync(file, 'utf8')).map((found) => ({ ...found, file: relative(REPO_ROOT, file) })),
  );
}

t.test('every reason the code can emit is explained in docs/troubleshooting.md', async (t) => {
  const page = readFileSync(PAGE, 'utf8');
  const sites = scannedSites();
  for (const site of ['ReconcileError', 'Event', 'reason'] as const) {
    t.ok(
      sites.some((found) => found.site === site),
      `the scan still finds ${site} reasons in src/ (if not, its pattern no longer matches the code)`,
    );
  }
  const scanned = sites.map((found) => found.reason);
  t.same(undocumented(scanned, page), [], 'literal reasons in src/ missing from the page');
  t.same(undocumented(computedReadyReasons(), page), [], 'Ready reasons from RDS statuses missing');
  t.same(undocumented(computedFailureReasons(), page), [], 'failure reasons of errors missing');
  t.same(undocumented([...ACCESS_FAILURES], page), [], 'Connectable reasons of the access check missing');
});

t.test('every ReconcileError names its reason as a literal the scan can read', async (t) => {
  const unreadable = filesUnder(SRC, '.ts').flatMap((file) =>
    reconcileErrorsWithoutLiteralReason(readFileSync(file, 'utf8')).map(
      (argument) => `${relative(REPO_ROOT, file)}: new ReconcileError(${argument}, ...)`,
    ),
  );
  t.same(unreadable, [], 'write the reason as a CamelCase string literal');
});

t.test('reasonSites finds reasons in each shape the code writes them', async (t) => {
  const source = `
    throw new ReconcileError('SecretMissing', 'message', 'wait');
    throw new ReconcileError(
      "AdoptionRefused",
      \`RDS instance \${id} was not taken over\`,
    );
    await this.event('Normal', 'Creating', \`Creating RDS instance \${id}\`);
    return this.notice(instance, 'Warning', 'OrphanedInstance', message, signal);
    await this.event(
      'Warning',
      'PolicyViolation',
      'Not applying',
    );
    return { type: 'Ready', status: 'False', reason: 'InstanceNotFound', message };
    reason: reason || 'Unknown',
    await this.event('Warning', failure.reason, failure.message);
    // an example in a comment: new ReconcileError('NotAReason', '')
    /* reason: 'NorThis' */
    log.warn({ reason: 'the adopt permission cannot be checked' });`;
  t.same(
    reasonSites(source)
      .map((found) => `${found.site}:${found.reason}`)
      .sort(),
    [
      'Event:Creating',
      'Event:OrphanedInstance',
      'Event:PolicyViolation',
      'ReconcileError:AdoptionRefused',
      'ReconcileError:SecretMissing',
      'reason:InstanceNotFound',
      'reason:Unknown',
    ],
  );
  t.same(reconcileErrorsWithoutLiteralReason(source), [], 'both ReconcileErrors have literal reasons');
  t.same(reconcileErrorsWithoutLiteralReason('throw new ReconcileError(reasonFor(x), message);'), [
    'reasonFor(x)',
  ]);
});

t.test('a reason missing from the page is reported', async (t) => {
  const page = '| `Creating` | Normal | ... |\n\nThe instance is Deleting (not in backticks).';
  t.same(undocumented(['Creating', 'Deleting', 'SecretMissing', 'Creating'], page), [
    'Deleting',
    'SecretMissing',
  ]);
  const withNewReason = `${readFileSync(join(SRC, 'controller/reconciler.ts'), 'utf8')}
    throw new ReconcileError('BrandNewReason', 'message', 'wait');`;
  t.same(
    undocumented(
      reasonSites(withNewReason).map((found) => found.reason),
      readFileSync(PAGE, 'utf8'),
    ),
    ['BrandNewReason'],
    'a reason added to the code without a line on the page fails the check',
  );
});
