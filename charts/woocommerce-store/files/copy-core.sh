#!/bin/sh
# Init step of the setup Job, run in the WordPress image: put the image's WordPress core into the
# pod's scratch document root and the default themes/plugins into the persistent wp-content when they
# are missing (never overwriting what is there), like the image's own entrypoint does.
set -eu
cd /var/www/html
tar -C /usr/src/wordpress --exclude=./wp-content -cf - . | tar -xf - --no-overwrite-dir
for src in /usr/src/wordpress/wp-content/*/*/; do
  rel="${src#/usr/src/wordpress/}"
  rel="${rel%/}"
  if [ ! -e "$rel" ]; then
    mkdir -p "$(dirname "$rel")"
    cp -R "${src%/}" "$rel"
  fi
done
cp /usr/src/wordpress/wp-config-docker.php wp-config.php
echo "WordPress core ready in $PWD"
