import type { AccessCheckOptions, AccessOutcome, AccessTarget } from './access.js';
import { checkPostgresAccess } from './postgres-access.js';
import { POSTGRES_RESERVED_WORDS } from './reserved-words.js';
import { majorVersion } from './version.js';

export interface ConnectionDetails {
  username: string;
  password: string;
  databaseName: string;
  address: string;
  port: number;
}

/**
 * What Stow needs to know about a database engine, in one place: how RDS calls it, where it listens,
 * which names it refuses, and how clients are told to connect. PostgreSQL is the only one today; a
 * second engine implements this interface rather than adding conditions across the code.
 */
export interface Engine {
  /** RDS's `Engine` parameter. */
  readonly rdsEngine: string;
  readonly displayName: string;
  readonly defaultPort: number;
  /** The database an instance created without a name has. */
  readonly defaultDatabase: string;
  /** The name of the port of the Service Stow writes. */
  readonly servicePortName: string;
  /** Words the engine refuses as user or database names. */
  readonly reservedWords: ReadonlySet<string>;
  /** The parameter group RDS uses when none is named. */
  defaultParameterGroup(engineVersion: string): string;
  /** Ready-made connection strings, by Secret key; every value part is escaped for its format. */
  connectionStrings(details: ConnectionDetails): Record<string, string>;
  /** Connects with these credentials as a client would and runs a trivial query; never throws. */
  checkAccess(target: AccessTarget, options: AccessCheckOptions): Promise<AccessOutcome>;
}

function pgpassField(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/:/g, '\\:');
}

export const postgres: Engine = {
  rdsEngine: 'postgres',
  displayName: 'PostgreSQL',
  defaultPort: 5432,
  defaultDatabase: 'postgres',
  servicePortName: 'postgres',
  reservedWords: POSTGRES_RESERVED_WORDS,
  defaultParameterGroup: (engineVersion) => `default.postgres${majorVersion(engineVersion)}`,
  connectionStrings({ username, password, databaseName, address, port }) {
    const user = encodeURIComponent(username);
    const secret = encodeURIComponent(password);
    const database = encodeURIComponent(databaseName);
    return {
      uri: `postgresql://${user}:${secret}@${address}:${port}/${database}?sslmode=require`,
      'jdbc-uri': `jdbc:postgresql://${address}:${port}/${database}?user=${user}&password=${secret}&sslmode=require`,
      pgpass: `${[address, String(port), databaseName, username, password].map(pgpassField).join(':')}\n`,
    };
  },
  checkAccess: checkPostgresAccess,
};
