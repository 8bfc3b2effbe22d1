// knex configuration of the platform. Migrations are TypeScript modules listed in
// api/src/db/migrate.ts and applied on start (`migrateLatest`, safe with many replicas).
import type { Knex } from 'knex';
import { migrationConfig } from './api/src/db/migrate.ts';

const config: Knex.Config = {
  client: 'pg',
  connection: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/store_platform',
  pool: { min: 0, max: 10 },
  migrations: migrationConfig,
};

export default config;
