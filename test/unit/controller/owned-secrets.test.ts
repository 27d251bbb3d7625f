import t from 'tap';
import type { KubeOps } from '../../../src/controller/context.js';
import type { KubeObject, OwnerReference, Secret } from '../../../src/kube/types.js';
import { OwnedSecrets, rememberingSecrets } from '../../../src/controller/owned-secrets.js';

const signal = new AbortController().signal;

function controlledBy(name: string, uid: string): OwnerReference {
  return { apiVersion: 'stow.dev/v1beta1', kind: 'PostgresDB', name, uid, controller: true };
}

function secret(name: string, resourceVersion: string, owners: OwnerReference[] = []): Secret {
  return {
    metadata: { name, namespace: 'shop', resourceVersion, ownerReferences: owners },
    data: { password: Buffer.from(`${name}@${resourceVersion}`).toString('base64') },
  };
}

/** The API server (full Secrets, counting reads), the metadata informer, and the PostgresDB informer. */
function setup() {
  const server = new Map<string, Secret>();
  const informer = new Map<string, KubeObject>();
  const postgresDBs = new Map([['shop/orders', 'uid-orders']]);
  const reads: string[] = [];
  const put = (object: Secret) => {
    server.set(object.metadata.name, object);
    informer.set(`shop/${object.metadata.name}`, { metadata: { ...object.metadata } });
  };
  const kube = {
    async getSecret(_namespace: string, name: string) {
      reads.push(name);
      return structuredClone(server.get(name));
    },
  };
  const secrets = new OwnedSecrets({ get: (key) => informer.get(key) }, kube, (key) => postgresDBs.get(key));
  return { server, informer, postgresDBs, reads, put, secrets };
}

t.test('a Secret the informer has not seen is not read', async (t) => {
  const { server, reads, secrets } = setup();
  server.set('unlabelled', secret('unlabelled', '1'));
  t.equal(await secrets.get('shop', 'unlabelled', signal), undefined);
  t.same(reads, []);
});

t.test('an owned Secret is read once, then served while its version holds', async (t) => {
  const { reads, put, secrets } = setup();
  put(secret('orders', '1', [controlledBy('orders', 'uid-orders')]));
  t.equal((await secrets.get('shop', 'orders', signal))?.metadata.resourceVersion, '1');
  t.equal((await secrets.get('shop', 'orders', signal))?.metadata.resourceVersion, '1');
  t.same(reads, ['orders'], 'one read');
  t.equal(secrets.size, 1);

  put(secret('orders', '2', [controlledBy('orders', 'uid-orders')]));
  t.equal((await secrets.get('shop', 'orders', signal))?.metadata.resourceVersion, '2');
  t.same(reads, ['orders', 'orders'], 'a new version is read again');
});

t.test('data of a Secret no live PostgresDB controls is never kept', async (t) => {
  const { reads, put, secrets } = setup();
  put(secret('foreign', '1'));
  put(secret('forged', '1', [controlledBy('orders', 'another-uid')]));
  put(secret('orphan', '1', [controlledBy('gone', 'uid-gone')]));
  put(secret('not-controller', '1', [{ ...controlledBy('orders', 'uid-orders'), controller: false }]));
  for (const name of ['foreign', 'forged', 'orphan', 'not-controller']) {
    t.ok(await secrets.get('shop', name, signal), `${name} is read`);
    t.ok(await secrets.get('shop', name, signal), `${name} is read again`);
  }
  t.equal(reads.length, 8, 'every call reads');
  t.equal(secrets.size, 0, 'nothing kept');
});

t.test('changes, deletions and the owner going drop what is kept', async (t) => {
  const { reads, put, secrets, postgresDBs } = setup();
  const owned = secret('orders', '1', [controlledBy('orders', 'uid-orders')]);
  put(owned);
  await secrets.get('shop', 'orders', signal);
  secrets.changed({ metadata: { ...owned.metadata } });
  t.equal(secrets.size, 1, 'the same version is kept');
  secrets.changed({ metadata: { ...owned.metadata, resourceVersion: '2' } });
  t.equal(secrets.size, 0, 'another version drops it');

  await secrets.get('shop', 'orders', signal);
  secrets.deleted({ metadata: { ...owned.metadata } });
  t.equal(secrets.size, 0, 'deleted');

  await secrets.get('shop', 'orders', signal);
  secrets.ownerDeleted('uid-other');
  t.equal(secrets.size, 1, 'another owner going changes nothing');
  postgresDBs.delete('shop/orders');
  secrets.ownerDeleted('uid-orders');
  t.equal(secrets.size, 0, 'its owner going drops it');
  t.equal(reads.length, 3);
});

t.test('a deleted Secret the informer still lists reads as absent', async (t) => {
  const { server, put, secrets } = setup();
  put(secret('orders', '1', [controlledBy('orders', 'uid-orders')]));
  server.delete('orders');
  t.equal(await secrets.get('shop', 'orders', signal), undefined);
});

t.test('writes through rememberingSecrets are kept: the next reconcile reads nothing', async (t) => {
  const { reads, informer, secrets } = setup();
  const written: string[] = [];
  const created = secret('orders', '5', [controlledBy('orders', 'uid-orders')]);
  const patched = secret('orders', '6', [controlledBy('orders', 'uid-orders')]);
  const base = {
    createSecret: async () => {
      written.push('create');
      return structuredClone(created);
    },
    patchSecret: async () => {
      written.push('patch');
      return structuredClone(patched);
    },
    getSecret: async () => undefined,
  } as unknown as KubeOps;
  const kube = rememberingSecrets(base, secrets);

  await kube.createSecret(created, signal);
  informer.set('shop/orders', { metadata: { ...created.metadata } });
  t.equal((await secrets.get('shop', 'orders', signal))?.metadata.resourceVersion, '5');
  await kube.patchSecret('shop', 'orders', {}, signal);
  informer.set('shop/orders', { metadata: { ...patched.metadata } });
  t.equal((await secrets.get('shop', 'orders', signal))?.metadata.resourceVersion, '6');
  t.same(written, ['create', 'patch']);
  t.same(reads, [], 'no read');
});
