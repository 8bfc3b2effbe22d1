#!/bin/sh
# Store setup with WP-CLI, run by the setup hook on every Argo CD sync. Every step checks before it acts:
# - first install (until the marker option store_platform_initialised exists): WordPress, the pinned
#   WooCommerce, the theme, the shop pages, cash on delivery, address and currency, optional sample
#   products, permalinks. Later runs never touch these again (the owner's changes stay). A store that a
#   chart before 0.5 installed (WordPress there, no store_platform_setup_started) is adopted as it is.
# - every run: WooCommerce is kept at the pinned version (upgrade only), and when WordPress core (the
#   image) or WooCommerce changed version since the last run, the database migrations run
#   (wp core update-db, wp wc update) and the caches are flushed.
# Secrets come only from the environment (secretKeyRef) and are never echoed or passed on a command line.
set -eu
cd "${WORDPRESS_ROOT:-/var/www/html}"

# version_lt A B: true when dotted version A is lower than B (numeric per part; missing parts are 0).
version_lt() {
  a="$1"; b="$2"
  while [ -n "$a" ] || [ -n "$b" ]; do
    x="${a%%.*}"; y="${b%%.*}"
    x="${x:-0}"; y="${y:-0}"
    if [ "$x" -lt "$y" ]; then return 0; fi
    if [ "$x" -gt "$y" ]; then return 1; fi
    case "$a" in *.*) a="${a#*.}" ;; *) a="" ;; esac
    case "$b" in *.*) b="${b#*.}" ;; *) b="" ;; esac
  done
  return 1
}

echo "waiting for the database at ${WORDPRESS_DB_HOST}"
tries=0
until php -r '
  mysqli_report(MYSQLI_REPORT_OFF);
  $db = @mysqli_connect(getenv("WORDPRESS_DB_HOST"), getenv("WORDPRESS_DB_USER"),
                        getenv("WORDPRESS_DB_PASSWORD"), getenv("WORDPRESS_DB_NAME"));
  exit($db ? 0 : 1);'; do
  tries=$((tries + 1))
  if [ "$tries" -ge 120 ]; then
    echo "database not reachable after 10 minutes" >&2
    exit 1
  fi
  sleep 5
done
echo "database is up"

if wp core is-installed; then
  echo "WordPress is already installed"
  if ! wp option get store_platform_setup_started >/dev/null 2>&1 && ! wp option get store_platform_initialised >/dev/null 2>&1; then
    # Installed by chart 0.4.x: its owner has been running it; the day-one steps would overwrite the
    # theme, address, currency and permalinks they chose.
    echo "adopting a store installed by an earlier chart: day-one settings left as they are"
    wp option add store_platform_initialised 1
  fi
else
  # --prompt reads the password from stdin, keeping it off the process list.
  printf '%s\n' "$WORDPRESS_ADMIN_PASSWORD" | wp core install \
    --url="$STORE_URL" \
    --title="$STORE_TITLE" \
    --admin_user="$WORDPRESS_ADMIN_USER" \
    --admin_email="$STORE_ADMIN_EMAIL" \
    --skip-email \
    --prompt=admin_password
  wp option add store_platform_setup_started 1
fi

# WooCommerce at the pinned version: installed if missing, upgraded if older, never downgraded.
if ! wp plugin is-installed woocommerce; then
  wp plugin install woocommerce --version="$WOOCOMMERCE_VERSION"
else
  installed="$(wp plugin get woocommerce --field=version)"
  if [ "$installed" = "$WOOCOMMERCE_VERSION" ]; then
    echo "WooCommerce $installed is the pinned version"
  elif version_lt "$installed" "$WOOCOMMERCE_VERSION"; then
    echo "upgrading WooCommerce $installed -> $WOOCOMMERCE_VERSION"
    wp plugin install woocommerce --version="$WOOCOMMERCE_VERSION" --force
  else
    echo "WooCommerce $installed is newer than the pinned $WOOCOMMERCE_VERSION; WooCommerce cannot be downgraded: pin $installed or higher" >&2
    exit 1
  fi
fi

if ! wp option get store_platform_initialised >/dev/null 2>&1; then
  echo "first install: activating WooCommerce and preparing the shop"
  wp plugin is-active woocommerce || wp plugin activate woocommerce
  if ! wp theme is-installed "$STORE_THEME"; then
    if [ -n "${STORE_THEME_VERSION:-}" ]; then
      wp theme install "$STORE_THEME" --version="$STORE_THEME_VERSION"
    else
      wp theme install "$STORE_THEME"
    fi
  fi
  wp theme activate "$STORE_THEME"
  admin="--user=$WORDPRESS_ADMIN_USER"
  # Shop, Cart, Checkout and My account pages (the tool skips the pages that exist).
  wp wc tool run install_pages "$admin"
  wp wc payment_gateway update cod --enabled=true "$admin"
  wp option update woocommerce_store_address "$STORE_ADDRESS_1"
  wp option update woocommerce_store_address_2 "$STORE_ADDRESS_2"
  wp option update woocommerce_store_city "$STORE_CITY"
  wp option update woocommerce_store_postcode "$STORE_POSTCODE"
  wp option update woocommerce_default_country "$STORE_COUNTRY"
  wp option update woocommerce_currency "$STORE_CURRENCY"
  if [ "$STORE_SAMPLE_PRODUCTS" = true ]; then
    for product in "Sample T-shirt:18.00" "Sample hoodie:42.00" "Sample cap:16.00"; do
      name="${product%%:*}"
      if [ -z "$(wp post list --post_type=product --title="$name" --field=ID)" ]; then
        wp wc product create --name="$name" --regular_price="${product#*:}" --status=publish "$admin"
      fi
    done
  fi
  wp rewrite structure "$PERMALINK_STRUCTURE"
  wp option add store_platform_initialised 1
fi

# Database migrations when the code changed: the image's WordPress core or the WooCommerce plugin.
versions="wordpress=$(wp core version) woocommerce=$(wp plugin get woocommerce --field=version)"
if [ "$(wp option get store_platform_versions 2>/dev/null || true)" = "$versions" ]; then
  echo "no version change ($versions)"
else
  echo "versions changed to $versions: migrating"
  wp core update-db
  wp wc update
  wp cache flush
  wp option update store_platform_versions "$versions"
fi
echo "store setup complete"
