// `node scripts/migrate.ts`: applies pending database migrations and exits — the platform chart's
// migrations hook Job (run once per release, before the new pods). Every process also migrates on
// start (api/src/main.ts), under the same advisory lock, so this is the early, visible copy of that
// step: a failing migration fails the sync instead of a crash-looping rollout.
// Waits for the database up to MIGRATE_WAIT_SECONDS (default 600): on a first install the database
// may still be starting. Exit codes: 0 applied (or nothing to do), 1 failed, 78 bad configuration.
import { createKnex } from '../api/src/db/create-knex.ts';
import { migrateLatest } from '../api/src/db/migrate.ts';

const url = process.env.DATABASE_URL;
const waitSeconds = Number(process.env.MIGRATE_WAIT_SECONDS ?? 600);
if (!url || !URL.canParse(url) || !Number.isFinite(waitSeconds) || waitSeconds < 0) {
  console.error('invalid configuration:\n  DATABASE_URL: a postgres:// URL is required; MIGRATE_WAIT_SECONDS: a number of seconds');
  process.exit(78); // EX_CONFIG, as api/src/main.ts
}

// Two connections: migrateLatest holds one for its advisory lock while knex migrates on another.
const knex = createKnex(url, 2);
const deadline = Date.now() + waitSeconds * 1000;
let status = 1;
for (let attempt = 1; ; attempt++) {
  try {
    const applied = await migrateLatest(knex);
    console.log(JSON.stringify({ msg: 'migrations applied', applied }));
    status = 0;
    break;
  } catch (err) {
    const message = (err as Error).message.replace(/\/\/[^/@]*@/, '//***@');
    // Only an unreachable database is waited for; a failing migration fails now.
    const unreachable = /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|the database system is starting up|Connection terminated|Timeout acquiring a connection/i.test(message);
    if (!unreachable || Date.now() >= deadline) {
      console.error(JSON.stringify({ msg: 'migrations failed', attempt, err: message }));
      break;
    }
    console.error(JSON.stringify({ msg: 'database not reachable yet; retrying', attempt, err: message }));
    await new Promise((r) => setTimeout(r, 2000));
  }
}
await knex.destroy();
process.exit(status);
