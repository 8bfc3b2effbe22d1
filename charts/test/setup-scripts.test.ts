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
# fake WP-CLI: state in $FAKE_WP_STATE, every call logged
state="$FAKE_WP_STATE"
echo "$*" >> "$state/calls"
case "$1 $2" in
  "core is-installed") [ -e "$state/installed" ]; exit $? ;;
  "core install") cat > "$state/install-stdin"; touch "$state/installed" ;;
  "plugin is-installed") [ -e "$state/plugin-$3" ]; exit $? ;;
  "plugin install") touch "$state/plugin-$3" ;;
  "plugin is-active") [ -e "$state/active-$3" ]; exit $? ;;
  "plugin activate") [ -e "$state/plugin-$3" ] || exit 1; touch "$state/active-$3" ;;
  "option get") cat "$state/option-$3" 2>/dev/null || true ;;
  "rewrite structure") printf '%s' "$3" > "$state/option-permalink_structure" ;;
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
      WOOCOMMERCE_VERSION: '',
      PERMALINK_STRUCTURE: '/%postname%/',
      ...extraEnv,
    },
  });
  const calls = (await readFile(join(dir, 'state', 'calls'), 'utf8')).split('\n').filter(Boolean).slice(before);
  return { stdout, calls };
}

describe('setup.sh (the setup Job)', () => {
  it('installs WordPress and WooCommerce on the first run, with the admin password on stdin only', async () => {
    const { stdout, calls } = await runSetup();
    expect(calls).toContain(
      'core install --url=https://shop.example.com --title=my-shop --admin_user=shopadmin --admin_email=admin@shop.example.com --skip-email --prompt=admin_password',
    );
    expect(calls).toContain('plugin install woocommerce');
    expect(calls).toContain('plugin activate woocommerce');
    expect(calls).toContain('rewrite structure /%postname%/');
    expect((await readFile(join(dir, 'state', 'install-stdin'), 'utf8')).trim()).toBe(ADMIN_PASSWORD);
    expect(calls.join('\n')).not.toContain(ADMIN_PASSWORD);
    expect(stdout).not.toContain(ADMIN_PASSWORD);
    expect(stdout).toContain('store setup complete');
  });

  it('changes nothing on a second run: only read-only checks', async () => {
    await runSetup();
    const { calls } = await runSetup();
    expect(calls).toEqual([
      'core is-installed',
      'plugin is-installed woocommerce',
      'plugin is-active woocommerce',
      'option get permalink_structure',
    ]);
  });

  it('installs the pinned WooCommerce version when one is set, and never reinstalls an installed one', async () => {
    const first = await runSetup({ WOOCOMMERCE_VERSION: '10.0.0' });
    expect(first.calls).toContain('plugin install woocommerce --version=10.0.0');
    const second = await runSetup({ WOOCOMMERCE_VERSION: '10.1.0' });
    expect(second.calls.filter((c) => c.startsWith('plugin install'))).toEqual([]);
  });

  it('re-activates WooCommerce if someone deactivated it, without reinstalling anything', async () => {
    await runSetup();
    await rm(join(dir, 'state', 'active-woocommerce'));
    const { calls } = await runSetup();
    expect(calls.filter((c) => !/is-installed|is-active|option get/.test(c))).toEqual(['plugin activate woocommerce']);
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
