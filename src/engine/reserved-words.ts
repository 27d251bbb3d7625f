/** PostgreSQL reserved key words and RDS's own role names: RDS refuses them as master user or database names. */
export const POSTGRES_RESERVED_WORDS = new Set(
  `all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation
  column concurrently constraint create cross current_catalog current_date current_role current_schema current_time
  current_timestamp current_user default deferrable desc distinct do else end except false fetch for foreign freeze
  from full grant group having ilike in initially inner intersect into is isnull join lateral leading left like limit
  localtime localtimestamp natural not notnull null offset on only or order outer overlaps placing primary references
  returning right select session_user similar some symmetric system_user table tablesample then to trailing true union
  unique user using variadic verbose when where window with`.split(/\s+/),
);

export const RDS_RESERVED_USERNAMES = new Set([
  'rdsadmin',
  'rdsrepladmin',
  'rds_superuser',
  'rds_replication',
  'rds_password',
]);
export const RESERVED_DATABASE_NAMES = new Set(['template0', 'template1', 'rdsadmin']);

/** Role names PostgreSQL refuses (`public`, `none`) or every instance already has (`postgres`). */
export const RESERVED_ROLE_NAMES = new Set(['public', 'none', 'postgres']);
