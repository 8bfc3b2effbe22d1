#!/bin/sh
# WP-Cron run of the CronJob: the events that are due, once, inside the cluster (no HTTP loopback).
set -eu
cd "${WORDPRESS_ROOT:-/var/www/html}"
if ! wp core is-installed; then
  echo "WordPress is not installed yet; nothing to run"
  exit 0
fi
wp cron event run --due-now
