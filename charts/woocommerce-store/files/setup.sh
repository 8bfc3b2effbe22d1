#!/bin/sh
# Idempotent store setup with WP-CLI: every step checks before it acts, so a second run (Argo CD
# re-syncs, Job retries, a new chart version) changes nothing. Secrets come only from the environment
# (secretKeyRef) and are never echoed or passed on a command line.
set -eu
cd "${WORDPRESS_ROOT:-/var/www/html}"

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
else
  # --prompt reads the password from stdin, keeping it off the process list.
  printf '%s\n' "$WORDPRESS_ADMIN_PASSWORD" | wp core install \
    --url="$STORE_URL" \
    --title="$STORE_TITLE" \
    --admin_user="$WORDPRESS_ADMIN_USER" \
    --admin_email="$STORE_ADMIN_EMAIL" \
    --skip-email \
    --prompt=admin_password
fi

if wp plugin is-installed woocommerce; then
  echo "WooCommerce is already installed"
elif [ -n "${WOOCOMMERCE_VERSION:-}" ]; then
  wp plugin install woocommerce --version="$WOOCOMMERCE_VERSION"
else
  wp plugin install woocommerce
fi

if wp plugin is-active woocommerce; then
  echo "WooCommerce is already active"
else
  wp plugin activate woocommerce
fi

if [ "$(wp option get permalink_structure)" = "$PERMALINK_STRUCTURE" ]; then
  echo "permalinks already set"
else
  wp rewrite structure "$PERMALINK_STRUCTURE"
fi
echo "store setup complete"
