#!/usr/bin/env bash
# Installs what sqpdash needs on a Debian machine and is missing: PostgreSQL 15 server binaries; with --test (or
# its older name --with-browser) also what only `make test` needs: Chromium (the browser tests) and the
# plpgsql_check extension (the test that checks every PL/pgSQL routine of schema.hcl). Idempotent: does nothing
# when everything asked for is present.
set -euo pipefail

need=()
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 && ! command -v postgres >/dev/null 2>&1; then
  need+=(postgresql)
fi
case "${1:-}" in
--test | --with-browser)
  if ! command -v chromium >/dev/null 2>&1; then
    need+=(chromium)
  fi
  # The extension of the server the tests run (Debian packages it per major version: 15 here).
  if [ ! -f /usr/share/postgresql/15/extension/plpgsql_check.control ]; then
    need+=(postgresql-15-plpgsql-check)
  fi
  ;;
esac
[ ${#need[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    sudo="sudo"
  else
    echo "sqpdash needs: ${need[*]}. Install them as root: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
echo "installing ${need[*]} (apt-get)..." >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get -o DPkg::Lock::Timeout=600 update -qq
$sudo apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian's postgresql package also creates a system cluster ("main", port 5432) and starts it where a service
# manager runs. sqpdash never connects to it (its private cluster listens only on a socket in its own
# directory), so this script leaves it as the package set it up; `pg_ctlcluster 15 main stop` stops it.
