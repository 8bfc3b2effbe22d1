#!/bin/sh
# Init step of the setup Job, run in the WordPress image: put the image's WordPress core into the
# pod's scratch document root and the default themes/plugins into the persistent wp-content when they
# are missing (never overwriting what is there), like the image's own entrypoint does.
set -eu
source_dir="${WORDPRESS_SOURCE:-/usr/src/wordpress}"
cd "${WORDPRESS_ROOT:-/var/www/html}"
tar -C "$source_dir" --exclude=./wp-content -cf - . | tar -xf - --no-overwrite-dir
for src in "$source_dir"/wp-content/*/*/; do
  [ -d "$src" ] || continue
  rel="${src#"$source_dir"/}"
  rel="${rel%/}"
  if [ ! -e "$rel" ]; then
    mkdir -p "$(dirname "$rel")"
    cp -R "${src%/}" "$rel"
  fi
done
cp "$source_dir/wp-config-docker.php" wp-config.php
echo "WordPress core ready in $PWD"
