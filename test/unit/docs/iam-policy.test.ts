import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { OWNERSHIP_TAG_KEYS, TAG_CLUSTER } from '../../../src/api/constants.js';
import {
  allowedActions,
  difference,
  fencedBlocks,
  filesUnder,
  REPO_ROOT,
  rdsOperationsIn,
} from '../../support/docs.js';

// The IAM policy in docs/install-eks.md must allow exactly the RDS operations the code sends: one
// missing breaks the operator on a real account, one extra is privilege nobody needs.

const GUIDE = join(REPO_ROOT, 'docs/install-eks.md');

function guideJson(): unknown[] {
  return fencedBlocks(readFileSync(GUIDE, 'utf8'), 'json').map((block) => JSON.parse(block));
}

/** The policy document of the guide: the one JSON block that allows RDS actions. */
function rdsPolicy(): unknown {
  const policies = guideJson().filter((document) => allowedActions(document, 'rds').length > 0);
  if (policies.length !== 1)
    throw new Error(`expected one RDS policy in the guide, found ${policies.length}`);
  return policies[0];
}

function operationsTheCodeSends(): string[] {
  const sources = filesUnder(join(REPO_ROOT, 'src/aws'), '.ts');
  return [...new Set(sources.flatMap((file) => rdsOperationsIn(readFileSync(file, 'utf8'))))].sort();
}

t.test('every JSON block of the install guide parses', async (t) => {
  const blocks = fencedBlocks(readFileSync(GUIDE, 'utf8'), 'json');
  t.ok(blocks.length >= 3, 'the permissions policy and the two trust policies');
  for (const block of blocks) t.doesNotThrow(() => JSON.parse(block), block.slice(0, 60));
});

t.test('the IAM policy allows exactly the RDS operations the code sends', async (t) => {
  const sent = operationsTheCodeSends();
  t.ok(
    sent.includes('CreateDBInstance') && sent.includes('DescribeDBInstances'),
    `found in src/aws: ${sent}`,
  );
  const { missing, extra } = difference(
    sent.map((operation) => `rds:${operation}`),
    allowedActions(rdsPolicy(), 'rds'),
  );
  t.same(missing, [], 'actions the code needs and the policy does not allow');
  t.same(extra, [], 'actions the policy allows and the code never sends');
});

t.test('the policy confines writes with the tags Stow writes', async (t) => {
  const text = JSON.stringify(rdsPolicy());
  t.match(text, `"aws:RequestTag/${TAG_CLUSTER}":"CLUSTER"`, 'creates carry the cluster tag');
  t.match(text, `"aws:ResourceTag/${TAG_CLUSTER}":"CLUSTER"`, 'changes need the cluster tag');
  const statements = (rdsPolicy() as { Statement: Array<{ Action: unknown; Condition?: unknown }> })
    .Statement;
  const untag = statements.find((statement) => statement.Action === 'rds:RemoveTagsFromResource');
  const protectedKeys = (
    untag?.Condition as { 'ForAllValues:StringNotEquals'?: { 'aws:TagKeys'?: string[] } } | undefined
  )?.['ForAllValues:StringNotEquals']?.['aws:TagKeys'];
  t.same(
    [...(protectedKeys ?? [])].sort(),
    [...OWNERSHIP_TAG_KEYS].sort(),
    'no ownership tag can be removed',
  );
});

t.test('rdsOperationsIn reads the commands of the RDS client only', async (t) => {
  const source = `
    import { DescribeKeyCommand, KMSClient } from '@aws-sdk/client-kms';
    import {
      CreateDBInstanceCommand,
      DeleteDBInstanceCommand as Delete,
      type DescribeDBInstancesCommandOutput,
      RDSClient,
    } from '@aws-sdk/client-rds';
    import * as rds from "@aws-sdk/client-rds";
    client.send(new CreateDBInstanceCommand({}));
    client.send(new Delete({}));
    client.send(new rds.RebootDBInstanceCommand({}));
    kms.send(new DescribeKeyCommand({}));
    new RDSClient({});`;
  t.same(rdsOperationsIn(source), ['CreateDBInstance', 'DeleteDBInstance', 'RebootDBInstance']);
  t.same(
    rdsOperationsIn('import { CreateDBInstanceCommand } from "@aws-sdk/client-rds";'),
    [],
    'imported, never sent',
  );
});

t.test('the comparison reports a missing and an extra action', async (t) => {
  const policy = {
    Statement: [
      { Effect: 'Allow', Action: ['rds:DescribeDBInstances', 'rds:RebootDBInstance'], Resource: '*' },
      { Effect: 'Allow', Action: 'kms:CreateGrant', Resource: '*' },
      { Effect: 'Deny', Action: 'rds:DeleteDBInstance', Resource: '*' },
    ],
  };
  const code = ['rds:DescribeDBInstances', 'rds:CreateDBInstance'];
  t.same(difference(code, allowedActions(policy, 'rds')), {
    missing: ['rds:CreateDBInstance'],
    extra: ['rds:RebootDBInstance'],
  });
  const wildcard = { Statement: { Effect: 'Allow', Action: 'rds:Describe*', Resource: '*' } };
  t.same(difference(['rds:DescribeDBInstances'], allowedActions(wildcard, 'rds')), {
    missing: ['rds:DescribeDBInstances'],
    extra: ['rds:Describe*'],
  });
  const notAction = { Statement: [{ Effect: 'Allow', NotAction: 'rds:DeleteDBInstance', Resource: '*' }] };
  t.same(allowedActions(notAction, 'rds'), ['NotAction'], 'NotAction allows too much to compare');
});
