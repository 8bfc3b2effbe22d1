#!/bin/sh
# MySQL probes that authenticate ("Access denied" is not alive). Credentials go through an option file
# in the pod's private run directory, never on a command line.
#   startup: as root over the socket, make sure the probe user exists with no privilege at all
#            (USAGE, @127.0.0.1 only: it can only log in from inside this pod), then ping as it.
#   ping:    `SELECT 1` over TCP as the probe user (as the WordPress user when the Secret has no
#            mysql-probe-password).
set -eu
run_dir=/var/run/mysqld
umask 077

client_file() { # <file> <user> <password>; option-file values escape \ and "
  value=$(printf '%s' "$3" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')
  printf '[client]\nuser=%s\npassword="%s"\n' "$2" "$value" > "$1"
}

if [ -n "${MYSQL_PROBE_PASSWORD:-}" ]; then
  user="$MYSQL_PROBE_USER"
  password="$MYSQL_PROBE_PASSWORD"
else
  user="$MYSQL_USER"
  password="$MYSQL_PASSWORD"
fi

if [ "${1:-ping}" = startup ] && [ -n "${MYSQL_PROBE_PASSWORD:-}" ]; then
  client_file "$run_dir/probe-root.cnf" root "$MYSQL_ROOT_PASSWORD"
  # SQL string literal: double \ and '. CREATE ... IF NOT EXISTS then ALTER also takes a rotated password.
  sql_password=$(printf '%s' "$MYSQL_PROBE_PASSWORD" | sed -e 's/\\/\\\\/g' -e "s/'/''/g")
  mysql --defaults-extra-file="$run_dir/probe-root.cnf" --protocol=socket --batch <<SQL
CREATE USER IF NOT EXISTS '${MYSQL_PROBE_USER}'@'127.0.0.1' IDENTIFIED BY '${sql_password}';
ALTER USER '${MYSQL_PROBE_USER}'@'127.0.0.1' IDENTIFIED BY '${sql_password}';
SQL
  rm -f "$run_dir/probe-root.cnf"
fi

client_file "$run_dir/probe.cnf" "$user" "$password"
exec mysql --defaults-extra-file="$run_dir/probe.cnf" --host=127.0.0.1 --protocol=tcp --batch --skip-column-names -e 'SELECT 1'
