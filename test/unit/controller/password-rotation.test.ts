import fc from 'fast-check';
import t from 'tap';
import {
  ANNOTATION_ROTATED_AT,
  ANNOTATION_ROTATION_REQUEST,
  nextScheduledRotation,
  rotationDue,
  rotationRecord,
} from '../../../src/controller/password-rotation.js';
import type { Secret } from '../../../src/kube/types.js';

const secret = (annotations: Record<string, string> = {}, creationTimestamp?: string): Secret => ({
  metadata: { name: 's', annotations, ...(creationTimestamp ? { creationTimestamp } : {}) },
});
const NOW = new Date('2026-03-01T12:00:00Z');

t.test('a request is due until the Secret records it', async (t) => {
  t.equal(rotationDue('r1', secret(), undefined, NOW), 'requested');
  t.equal(rotationDue('r1', secret({ [ANNOTATION_ROTATION_REQUEST]: 'r0' }), undefined, NOW), 'requested');
  t.equal(rotationDue('r1', secret({ [ANNOTATION_ROTATION_REQUEST]: 'r1' }), undefined, NOW), undefined);
  t.equal(rotationDue(undefined, secret({ [ANNOTATION_ROTATION_REQUEST]: 'r1' }), undefined, NOW), undefined);
  t.equal(rotationDue(undefined, secret(), undefined, NOW), undefined, 'nothing asked, no schedule');
});

t.test('the schedule counts from the last rotation, else from the Secret creation', async (t) => {
  const rotated = secret({ [ANNOTATION_ROTATED_AT]: '2026-02-01T12:00:00Z' }, '2020-01-01T00:00:00Z');
  t.same(nextScheduledRotation(rotated, 28), new Date('2026-03-01T12:00:00Z'));
  t.equal(rotationDue(undefined, rotated, 28, NOW), 'scheduled', 'due at the very time');
  t.equal(rotationDue(undefined, rotated, 29, NOW), undefined);
  const old = secret({}, '2026-01-01T00:00:00Z');
  t.equal(rotationDue(undefined, old, 30, NOW), 'scheduled');
  t.equal(nextScheduledRotation(secret(), 30), undefined, 'no date at all: never scheduled');
  t.equal(nextScheduledRotation(rotated, undefined), undefined);
  t.equal(
    rotationDue(undefined, secret({ [ANNOTATION_ROTATED_AT]: 'not a date' }, '2026-02-28T12:00:00Z'), 1, NOW),
    'scheduled',
    'an unreadable record falls back to the creation time',
  );
});

t.test('after a rotation is recorded, neither the request nor the schedule is due', async (t) => {
  fc.assert(
    fc.property(
      fc.option(fc.string({ minLength: 1 }), { nil: undefined }),
      fc.option(fc.integer({ min: 1, max: 3650 }), { nil: undefined }),
      (requested, everyDays) =>
        rotationDue(requested, secret(rotationRecord(requested, NOW)), everyDays, NOW) === undefined,
    ),
  );
  t.pass('holds for any request and schedule');
});
