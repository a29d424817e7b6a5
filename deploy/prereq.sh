#!/usr/bin/env bash
# Sourced by run.sh and test.sh: installs from Debian's packages what a fresh machine lacks.
#   need FILE PACKAGE...   installs PACKAGE... unless FILE (a command on PATH or an absolute path) exists

need() {
  local what="$1"; shift
  if [ -x "$what" ] || command -v "$what" >/dev/null 2>&1; then return 0; fi
  echo "==> installing $* (Debian packages; $what is missing)" >&2
  if [ "$(id -u)" -ne 0 ]; then echo "$what is missing and this is not root: apt-get install -y $*" >&2; exit 1; fi
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}
