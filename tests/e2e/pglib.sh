# pglib.sh - a throw-away PostgreSQL for the tests (issue 20): initdb in
# a temporary directory, pg_ctl start on 127.0.0.1 and a free port, trust
# authentication for the role "edigate", stopped and removed by pg_stop.
# Sourced (POSIX sh).  Usage:
#
#   . "$here/pglib.sh"
#   pg_find || { echo "SKIP: ...: $pg_why"; exit 0; }
#   pg_start || { echo "FAIL: ...: $pg_why"; exit 1; }
#   trap 'pg_stop; ...' EXIT
#   url=$(pg_newdb NAME)       # a new empty database: its URL
#   pg_sql NAME 'SELECT ...'   # one query, unaligned rows on stdout
#
# PostgreSQL refuses to run as root: as root, initdb and the server run
# as an unprivileged user (PG_USER, default nobody) through runuser or
# su.  Debian keeps initdb and pg_ctl in /usr/lib/postgresql/*/bin, not
# on PATH; `make deps` installs them (postgresql).

pg_why=
pg_bin=
pg_dir=
pg_port=
pg_url=

# pg_find: sets $pg_bin (initdb, pg_ctl, psql, createdb there) or says
# why not in $pg_why (returns 1).
pg_find() {
	for _d in "${PG_BIN:-}" $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -r) \
		"$(dirname "$(command -v initdb 2>/dev/null || echo /nonexistent/x)")"; do
		[ -n "$_d" ] || continue
		if [ -x "$_d/initdb" ] && [ -x "$_d/pg_ctl" ] && [ -x "$_d/psql" ]; then
			pg_bin=$_d
			return 0
		fi
	done
	pg_why="PostgreSQL is not installed (no initdb/pg_ctl; make deps installs postgresql)"
	return 1
}

# _pg_as CMD...: run CMD as the server's user
_pg_as() {
	if [ "$(id -u)" -ne 0 ]; then
		"$@"
	elif command -v runuser >/dev/null 2>&1; then
		runuser -u "${PG_USER:-nobody}" -- "$@"
	else
		su -s /bin/sh "${PG_USER:-nobody}" -c '"$0" "$@"' -- "$@"
	fi
}

# pg_start: a new cluster, started; sets $pg_dir, $pg_port, $pg_url (of
# the database "postgres").  On failure $pg_why says why (returns 1).
pg_start() {
	pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/edigate-pg.XXXXXX") || {
		pg_why="mktemp failed"; return 1; }
	chmod 755 "$pg_dir"
	mkdir "$pg_dir/data" "$pg_dir/run"
	if [ "$(id -u)" -eq 0 ]; then
		chown "${PG_USER:-nobody}" "$pg_dir/data" "$pg_dir/run" || {
			pg_why="cannot give $pg_dir to ${PG_USER:-nobody}"; return 1; }
	fi
	if ! _pg_as "$pg_bin/initdb" -D "$pg_dir/data" -U edigate -A trust \
		-E UTF8 --no-locale >"$pg_dir/initdb.log" 2>&1; then
		pg_why="initdb failed: $(tail -3 "$pg_dir/initdb.log" | tr '\n' ' ')"
		return 1
	fi
	# a free port: try a few at random (another cluster may hold one)
	_n=0
	while [ $_n -lt 8 ]; do
		_n=$((_n + 1))
		pg_port=$(( ( $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 20000 ) + 30000 ))
		if _pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -w -t 30 \
			-l "$pg_dir/run/server.log" \
			-o "-h 127.0.0.1 -p $pg_port -k $pg_dir/run -c fsync=off -c full_page_writes=off -c max_connections=40" \
			start >/dev/null 2>&1; then
			pg_url="postgresql://edigate@127.0.0.1:$pg_port/postgres"
			return 0
		fi
		grep -q 'already in use' "$pg_dir/run/server.log" 2>/dev/null || break
	done
	pg_why="pg_ctl start failed: $(tail -3 "$pg_dir/run/server.log" 2>/dev/null | tr '\n' ' ')"
	return 1
}

# pg_stop: stop the server (fast) and remove its directory
pg_stop() {
	[ -n "$pg_dir" ] || return 0
	if [ -f "$pg_dir/data/postmaster.pid" ]; then
		_pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 ||
			_pg_as "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1
	fi
	rm -rf "$pg_dir"
	pg_dir=
}

# pg_sql DB SQL: one statement, rows as unaligned text (| between columns)
pg_sql() {
	"$pg_bin/psql" -X -q -At -v ON_ERROR_STOP=1 \
		"postgresql://edigate@127.0.0.1:$pg_port/$1" -c "$2"
}

# pg_newdb NAME: a new empty database; prints its URL
pg_newdb() {
	pg_sql postgres "CREATE DATABASE $1" >/dev/null &&
		echo "postgresql://edigate@127.0.0.1:$pg_port/$1"
}
