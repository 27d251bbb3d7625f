import { POSTGRES_DATABASES, type PostgresDatabase } from '../../api/postgres-database.js';
import { openPostgresSession } from '../../engine/postgres-session.js';
import { informerFor, type ObjectInformer } from '../../kube/informer-group.js';
import { pathOf } from '../../kube/paths.js';
import { type KubeObject, SECRETS } from '../../kube/types.js';
import type { KindRegistration } from '../index.js';
import { type KindDeps, kindRunnerOptions } from '../kind-deps.js';
import { KindRunner } from '../runtime/kind-runner.js';
import type { Controller } from '../runtime/manager.js';
import { type DatabaseContext, databaseEvents } from './context.js';
import { needsReconcile } from '../postgresdb-controller.js';
import { reconcileDatabase } from './reconcile.js';
import { databaseKeyOf, ROLE_SECRET_SELECTOR, roleSecretMetadata } from './roles.js';

/** Statements inside an instance are short; a connection or statement that takes longer has a problem. */
const SQL_TIMEOUT_MS = 30_000;

/**
 * PostgresDatabase's controller: its KindRunner, and the metadata of the Secrets of its roles, so
 * that a Secret deleted is put back at once.
 */
export class PostgresDatabaseController implements Controller {
  private readonly databases: KindRunner<PostgresDatabase>;
  private readonly secrets: ObjectInformer<KubeObject>;

  constructor(deps: KindDeps) {
    const { client, logger, settings, config } = deps;
    const namespaces = config.watchNamespaces ?? [];
    const informerTiming = { watchdogMs: settings.watchdogMs, relistPeriodMs: settings.relistPeriodMs };
    const { timeoutSeconds, caBundle } = config.accessCheck;
    const context: DatabaseContext = {
      config,
      kube: deps.kube,
      events: databaseEvents(deps.events),
      policies: deps.policies,
      logger,
      pollIntervalMs: settings.pollIntervalMs,
      resyncPeriodMs: settings.resyncPeriodMs,
      connect: (target) =>
        openPostgresSession(target, {
          timeoutMs: Math.max(timeoutSeconds * 1000, SQL_TIMEOUT_MS),
          caBundle,
          applicationName: 'stow-controller',
        }),
      now: () => new Date(),
    };
    this.secrets = informerFor<KubeObject>(namespaces, (namespace) => pathOf(SECRETS, namespace), {
      client,
      labelSelector: ROLE_SECRET_SELECTOR,
      metadataOnly: true,
      transform: roleSecretMetadata,
      logger,
      handlers: {
        onDelete: (secret) => {
          const key = databaseKeyOf(secret);
          if (key) this.databases.enqueue(key);
        },
      },
      ...informerTiming,
    });
    this.databases = new KindRunner<PostgresDatabase>({
      ...kindRunnerOptions(deps),
      type: POSTGRES_DATABASES,
      reconciler: {
        needsReconcile,
        reconcile: (object, _key, signal) => reconcileDatabase(context, object, signal),
      },
    });
  }

  async watch(): Promise<void> {
    await Promise.all([this.secrets.start(), this.databases.watch()]);
  }

  lead(signal: AbortSignal): Promise<void> {
    return this.databases.lead(signal);
  }

  standDown(): Promise<void> {
    return this.databases.standDown();
  }

  async stop(): Promise<void> {
    await Promise.all([this.databases.stop(), this.secrets.stop()]);
  }

  waitIdle(): Promise<void> {
    return this.databases.waitIdle();
  }
}

/** PostgresDatabase: databases and roles inside the instances of PostgresDBs, a Secret per role. */
export const postgresDatabaseKind: KindRegistration = (deps) => new PostgresDatabaseController(deps);
