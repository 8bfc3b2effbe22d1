/**
 * The setup Job's scripts, run for real with /bin/sh, tar and cp. WP-CLI and MySQL cannot run here, so
 * `wp` and `php` are fakes on PATH that keep WordPress's state in files and log every call: enough to
 * prove that the script acts only when something is missing, that a second run changes nothing, and
 * that the admin password never reaches a command line.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { storeChartDir } from './render-chart.ts';

const run = promisify(execFile);
const setupScript = join(storeChartDir, 'files', 'setup.sh');
const copyCoreScript = join(storeChartDir, 'files', 'copy-core.sh');

const FAKE_WP = `#!/bin/sh
# fake WP-CLI: state in $FAKE_WP_STATE, every call logged; FAKE_WP_FAIL="<word1> <word2>" makes that command fail
state="$FAKE_WP_STATE"
echo "$*" >> "$state/calls"
if [ -n "\${FAKE_WP_FAIL:-}" ] && [ "$1 $2" = "$FAKE_WP_FAIL" ]; then echo "fake wp: $FAKE_WP_FAIL failed" >&2; exit 1; fi
flag() { for a in "$@"; do case "$a" in --"$FLAG"=*) printf '%s' "\${a#--"$FLAG"=}" ;; esac; done; }
case "$1 $2" in
  "core is-installed") [ -e "$state/installed" ]; exit $? ;;
  "core install") cat > "$state/install-stdin"; touch "$state/installed" ;;
  "core version") echo "\${FAKE_WP_CORE_VERSION:-7.1.2}" ;;
  "core update-db") echo "database up to date" ;;
  "plugin is-installed") [ -e "$state/plugin-$3" ]; exit $? ;;
  "plugin install") FLAG=version; flag "$@" > "$state/plugin-$3" ;;
  "plugin get") cat "$state/plugin-$3" ;;
  "plugin is-active") [ -e "$state/active-$3" ]; exit $? ;;
  "plugin activate") [ -e "$state/plugin-$3" ] || exit 1; touch "$state/active-$3" ;;
  "option get") [ -e "$state/option-$3" ] || exit 1; cat "$state/option-$3" ;;
  "option add") [ -e "$state/option-$3" ] && exit 1; printf '%s' "$4" > "$state/option-$3" ;;
  "option update") printf '%s' "$4" > "$state/option-$3" ;;
  "theme is-installed") [ -e "$state/theme-$3" ]; exit $? ;;
  "theme install") touch "$state/theme-$3" ;;
  "theme activate") [ -e "$state/theme-$3" ] || exit 1; printf '%s' "$3" > "$state/active-theme" ;;
  "wc tool"|"wc payment_gateway"|"wc update") [ -e "$state/active-woocommerce" ] || exit 1 ;;
  "wc product") [ -e "$state/active-woocommerce" ] || exit 1; FLAG=name; touch "$state/product-$(flag "$@")" ;;
  "post list") FLAG=title; t="$(flag "$@")"; [ -e "$state/product-$t" ] && echo 42; exit 0 ;;
  "rewrite structure") printf '%s' "$3" > "$state/option-permalink_structure" ;;
  "cache flush") echo "cache flushed" ;;
  "cron event") echo "ran due events" ;;
  *) echo "fake wp: unexpected call: $*" >&2; exit 2 ;;
esac
`;

const FAKE_PHP = `#!/bin/sh
# fake php: the database answers
echo "php $*" >> "$FAKE_WP_STATE/php-calls"
exit 0
`;

const ADMIN_PASSWORD = 'S3cret-admin-Pw-never-on-argv';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'store-setup-'));
  await mkdir(join(dir, 'bin'));
  await mkdir(join(dir, 'state'));
  await mkdir(join(dir, 'html'));
  await writeFile(join(dir, 'bin', 'wp'), FAKE_WP);
  await writeFile(join(dir, 'bin', 'php'), FAKE_PHP);
  await chmod(join(dir, 'bin', 'wp'), 0o755);
  await chmod(join(dir, 'bin', 'php'), 0o755);
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function runSetup(extraEnv: Record<string, string> = {}): Promise<{ stdout: string; calls: string[] }> {
  const before = existsSync(join(dir, 'state', 'calls')) ? (await readFile(join(dir, 'state', 'calls'), 'utf8')).split('\n').filter(Boolean).length : 0;
  const { stdout } = await run('/bin/sh', [setupScript], {
    env: {
      PATH: `${join(dir, 'bin')}:/usr/bin:/bin`,
      FAKE_WP_STATE: join(dir, 'state'),
      WORDPRESS_ROOT: join(dir, 'html'),
      WORDPRESS_DB_HOST: 'store-mysql',
      WORDPRESS_DB_USER: 'wordpress',
      WORDPRESS_DB_PASSWORD: 'db-password',
      WORDPRESS_DB_NAME: 'wordpress',
      WORDPRESS_ADMIN_USER: 'shopadmin',
      WORDPRESS_ADMIN_PASSWORD: ADMIN_PASSWORD,
      STORE_URL: 'https://shop.example.com',
      STORE_TITLE: 'my-shop',
      STORE_ADMIN_EMAIL: 'admin@shop.example.com',
      WOOCOMMERCE_VERSION: '10.4.3',
      PERMALINK_STRUCTURE: '/%postname%/',
      STORE_THEME: 'storefront',
      STORE_THEME_VERSION: '',
      STORE_SAMPLE_PRODUCTS: 'false',
      STORE_ADDRESS_1: 'Hauptstrasse 1',
      STORE_ADDRESS_2: '',
      STORE_CITY: 'Berlin',
      STORE_POSTCODE: '10115',
      STORE_COUNTRY: 'DE',
      STORE_CURRENCY: 'EUR',
      ...extraEnv,
    },
  });
  const calls = (await readFile(join(dir, 'state', 'calls'), 'utf8')).split('\n').filter(Boolean).slice(before);
  return { stdout, calls };
}

const state = (name: string) => readFile(join(dir, 'state', name), 'utf8');
const writes = (calls: string[]) => calls.filter((c) => !/^(core is-installed|core version|plugin is-installed|plugin is-active|plugin get|option get|theme is-installed|post list)/.test(c));

describe('setup.sh (the setup hook)', () => {
  it('first install: WordPress, the pinned WooCommerce, Storefront, the shop pages, cash on delivery, address and currency; admin password on stdin only', async () => {
    const { stdout, calls } = await runSetup();
    expect(writes(calls)).toEqual([
      'core install --url=https://shop.example.com --title=my-shop --admin_user=shopadmin --admin_email=admin@shop.example.com --skip-email --prompt=admin_password',
      'option add store_platform_setup_started 1',
      'plugin install woocommerce --version=10.4.3',
      'plugin activate woocommerce',
      'theme install storefront',
      'theme activate storefront',
      'wc tool run install_pages --user=shopadmin',
      'wc payment_gateway update cod --enabled=true --user=shopadmin',
      'option update woocommerce_store_address Hauptstrasse 1',
      'option update woocommerce_store_address_2 ',
      'option update woocommerce_store_city Berlin',
      'option update woocommerce_store_postcode 10115',
      'option update woocommerce_default_country DE',
      'option update woocommerce_currency EUR',
      'rewrite structure /%postname%/',
      'option add store_platform_initialised 1',
      'core update-db',
      'wc update',
      'cache flush',
      'option update store_platform_versions wordpress=7.1.2 woocommerce=10.4.3',
    ]);
    expect(await state('active-theme')).toBe('storefront');
    expect((await state('install-stdin')).trim()).toBe(ADMIN_PASSWORD);
    expect(calls.join('\n')).not.toContain(ADMIN_PASSWORD);
    expect(stdout).not.toContain(ADMIN_PASSWORD);
    expect(stdout).toContain('store setup complete');
  });

  it('changes nothing on a second run (a re-sync, a chart bump): only read-only checks', async () => {
    await runSetup();
    const { calls } = await runSetup();
    expect(writes(calls)).toEqual([]);
    expect(calls).toEqual([
      'core is-installed',
      'option get store_platform_setup_started',
      'plugin is-installed woocommerce',
      'plugin get woocommerce --field=version',
      'option get store_platform_initialised',
      'core version',
      'plugin get woocommerce --field=version',
      'option get store_platform_versions',
    ]);
  });

  it('never re-activates WooCommerce, re-activates the theme or resets permalinks after the first install (the owner\'s changes stay)', async () => {
    await runSetup();
    await rm(join(dir, 'state', 'active-woocommerce'));
    await writeFile(join(dir, 'state', 'option-permalink_structure'), '/shop/%postname%/');
    await writeFile(join(dir, 'state', 'active-theme'), 'twentytwentyfive');
    const { calls } = await runSetup();
    expect(writes(calls)).toEqual([]);
    expect(await state('option-permalink_structure')).toBe('/shop/%postname%/');
    expect(await state('active-theme')).toBe('twentytwentyfive');
  });

  it('adopts a store installed by chart 0.4.x as it is: no theme, page, setting or permalink change, only the migrations', async () => {
    // What 0.4.x left: WordPress and an active WooCommerce, the owner's own theme and permalinks.
    for (const [file, content] of Object.entries({ installed: '', 'plugin-woocommerce': '10.4.3', 'active-woocommerce': '', 'theme-astra': '', 'active-theme': 'astra', 'option-permalink_structure': '/p/%post_id%/' })) {
      await writeFile(join(dir, 'state', file), content);
    }
    const { calls, stdout } = await runSetup();
    expect(stdout).toContain('adopting a store installed by an earlier chart');
    expect(writes(calls)).toEqual([
      'option add store_platform_initialised 1',
      'core update-db', 'wc update', 'cache flush', 'option update store_platform_versions wordpress=7.1.2 woocommerce=10.4.3',
    ]);
    expect(await state('active-theme')).toBe('astra');
    expect(await state('option-permalink_structure')).toBe('/p/%post_id%/');
  });

  it('upgrades WooCommerce to a higher pin and migrates (update-db, wc update, cache flush); numeric version order', async () => {
    await runSetup({ WOOCOMMERCE_VERSION: '10.9.1' });
    const { calls } = await runSetup({ WOOCOMMERCE_VERSION: '10.10.0' });
    expect(writes(calls)).toEqual([
      'plugin install woocommerce --version=10.10.0 --force',
      'core update-db',
      'wc update',
      'cache flush',
      'option update store_platform_versions wordpress=7.1.2 woocommerce=10.10.0',
    ]);
  });

  it('migrates when the image brings a new WordPress core, without reinstalling anything', async () => {
    await runSetup();
    const { calls } = await runSetup({ FAKE_WP_CORE_VERSION: '7.2.0' });
    expect(writes(calls)).toEqual(['core update-db', 'wc update', 'cache flush', 'option update store_platform_versions wordpress=7.2.0 woocommerce=10.4.3']);
  });

  it('refuses to downgrade WooCommerce: the run fails with the reason and changes nothing', async () => {
    await runSetup({ WOOCOMMERCE_VERSION: '10.4.3' });
    const err = (await runSetup({ WOOCOMMERCE_VERSION: '10.3.6' }).then(() => undefined, (e: unknown) => e)) as { stderr: string; code: number };
    expect(err.code).toBe(1);
    expect(err.stderr).toContain('WooCommerce 10.4.3 is newer than the pinned 10.3.6; WooCommerce cannot be downgraded');
    expect(await state('plugin-woocommerce')).toBe('10.4.3');
  });

  it('creates the sample products once when asked, even when a failed first install is run again', async () => {
    const failed = await runSetup({ STORE_SAMPLE_PRODUCTS: 'true', FAKE_WP_FAIL: 'rewrite structure' }).then(() => undefined, (e: unknown) => e);
    expect(failed).toBeDefined();
    expect(existsSync(join(dir, 'state', 'option-store_platform_initialised'))).toBe(false);
    const { calls } = await runSetup({ STORE_SAMPLE_PRODUCTS: 'true' });
    // The interrupted first install is finished: no product twice, the marker set at the end.
    expect(calls.filter((c) => c.startsWith('wc product create'))).toEqual([]);
    expect(writes(calls)).toContain('rewrite structure /%postname%/');
    expect(await state('option-store_platform_initialised')).toBe('1');
    const all = (await state('calls')).split('\n').filter((c) => c.startsWith('wc product create'));
    expect(all).toEqual([
      'wc product create --name=Sample T-shirt --regular_price=18.00 --status=publish --user=shopadmin',
      'wc product create --name=Sample hoodie --regular_price=42.00 --status=publish --user=shopadmin',
      'wc product create --name=Sample cap --regular_price=16.00 --status=publish --user=shopadmin',
    ]);
  });
});

describe('cron.sh (the WP-Cron CronJob)', () => {
  const runCron = () => run('/bin/sh', [join(storeChartDir, 'files', 'cron.sh')], {
    env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, FAKE_WP_STATE: join(dir, 'state'), WORDPRESS_ROOT: join(dir, 'html') },
  });

  it('runs the due events with WP-CLI once WordPress is installed, and does nothing before', async () => {
    expect((await runCron()).stdout).toContain('not installed yet');
    expect(await state('calls')).toBe('core is-installed\n');
    await writeFile(join(dir, 'state', 'installed'), '');
    await runCron();
    expect((await state('calls')).split('\n').filter(Boolean)).toEqual(['core is-installed', 'core is-installed', 'cron event run --due-now']);
  });
});

describe('copy-core.sh (the setup Job init container)', () => {
  async function tree(root: string, files: Record<string, string>): Promise<void> {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(join(root, path, '..'), { recursive: true });
      await writeFile(join(root, path), content);
    }
  }

  it('copies core into the docroot and only missing default plugins/themes into wp-content', async () => {
    const source = join(dir, 'src');
    const root = join(dir, 'html');
    await tree(source, {
      'index.php': 'core index',
      'wp-includes/version.php': 'core version',
      'wp-config-docker.php': 'docker config',
      'wp-content/index.php': 'silence',
      'wp-content/plugins/akismet/akismet.php': 'image akismet',
      'wp-content/themes/twentytwentyfive/style.css': 'image theme',
    });
    // The persistent wp-content already holds an updated akismet and WooCommerce.
    await tree(root, {
      'wp-content/plugins/akismet/akismet.php': 'updated akismet',
      'wp-content/plugins/woocommerce/woocommerce.php': 'woo',
    });
    const env = { PATH: '/usr/bin:/bin', WORDPRESS_SOURCE: source, WORDPRESS_ROOT: root };
    await run('/bin/sh', [copyCoreScript], { env });
    const read = (p: string) => readFile(join(root, p), 'utf8');
    expect(await read('index.php')).toBe('core index');
    expect(await read('wp-includes/version.php')).toBe('core version');
    expect(await read('wp-config.php')).toBe('docker config');
    expect(await read('wp-content/plugins/akismet/akismet.php')).toBe('updated akismet');
    expect(await read('wp-content/plugins/woocommerce/woocommerce.php')).toBe('woo');
    expect(await read('wp-content/themes/twentytwentyfive/style.css')).toBe('image theme');
    // A second run (Job retry) leaves the volume as it is.
    await writeFile(join(root, 'wp-content/themes/twentytwentyfive/style.css'), 'customised theme');
    await run('/bin/sh', [copyCoreScript], { env });
    expect(await read('wp-content/themes/twentytwentyfive/style.css')).toBe('customised theme');
  });
});

describe('mysql-probe.sh (the MySQL probes)', () => {
  const FAKE_MYSQL = `#!/bin/sh
# fake mysql client: logs its arguments, stdin and the option file it was given; FAKE_MYSQL_DENY=<user> refuses that user
log="$FAKE_WP_STATE/mysql"
for a in "$@"; do case "$a" in --defaults-extra-file=*) f="\${a#--defaults-extra-file=}" ;; esac; done
echo "ARGS $*" >> "$log"
printf 'FILE %s\\n' "$(tr '\\n' ' ' < "$f")" >> "$log"
case " $* " in *" -e "*) ;; *) sed 's/^/SQL /' >> "$log" ;; esac
if grep -q "^user=\${FAKE_MYSQL_DENY:-none}$" "$f"; then echo "ERROR 1045 (28000): Access denied for user" >&2; exit 1; fi
exit 0
`;

  async function probe(mode: string, env: Record<string, string>): Promise<{ code: number; log: string[] }> {
    await writeFile(join(dir, 'bin', 'mysql'), FAKE_MYSQL);
    await chmod(join(dir, 'bin', 'mysql'), 0o755);
    const script = (await readFile(join(storeChartDir, 'files', 'mysql-probe.sh'), 'utf8')).replace('run_dir=/var/run/mysqld', `run_dir=${join(dir, 'html')}`);
    await writeFile(join(dir, 'probe.sh'), script);
    const code = await run('/bin/sh', [join(dir, 'probe.sh'), mode], {
      env: { PATH: `${join(dir, 'bin')}:/usr/bin:/bin`, FAKE_WP_STATE: join(dir, 'state'), MYSQL_USER: 'wordpress', MYSQL_PASSWORD: 'wp-pw', MYSQL_ROOT_PASSWORD: 'root-pw', MYSQL_PROBE_USER: 'probe', ...env },
    }).then(() => 0, (e: { code: number }) => e.code);
    const log = existsSync(join(dir, 'state', 'mysql')) ? (await readFile(join(dir, 'state', 'mysql'), 'utf8')).split('\n').filter(Boolean) : [];
    return { code, log };
  }

  it('startup: creates the probe user as root (USAGE only, 127.0.0.1 only), then pings as it; passwords never on argv', async () => {
    const { code, log } = await probe('startup', { MYSQL_PROBE_PASSWORD: "pr'obe\\pw" });
    expect(code).toBe(0);
    expect(log).toContain('FILE [client] user=root password="root-pw" ');
    expect(log).toContain("SQL CREATE USER IF NOT EXISTS 'probe'@'127.0.0.1' IDENTIFIED BY 'pr''obe\\\\pw';");
    expect(log.some((l) => l.startsWith('SQL') && /GRANT/i.test(l))).toBe(false);
    expect(log).toContain('FILE [client] user=probe password="pr\'obe\\\\pw" ');
    expect(log.at(-2)).toBe("ARGS --defaults-extra-file=" + join(dir, 'html', 'probe.cnf') + " --host=127.0.0.1 --protocol=tcp --batch --skip-column-names -e SELECT 1");
    expect(log.filter((l) => l.startsWith('ARGS')).join('\n')).not.toMatch(/root-pw|pr'obe/);
    expect(existsSync(join(dir, 'html', 'probe-root.cnf'))).toBe(false);
  });

  it('ping: "Access denied" fails the probe; without a probe password it authenticates as the WordPress user', async () => {
    expect((await probe('ping', { MYSQL_PROBE_PASSWORD: 'p', FAKE_MYSQL_DENY: 'probe' })).code).toBe(1);
    await rm(join(dir, 'state', 'mysql'));
    const { code, log } = await probe('startup', {});
    expect(code).toBe(0);
    expect(log.filter((l) => l.startsWith('FILE'))).toEqual(['FILE [client] user=wordpress password="wp-pw" ']);
  });
});
