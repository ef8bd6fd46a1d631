#!/bin/bash
# lab/image/bootstrap.sh — stage 1 of the lab image: debootstrap Debian bookworm with the packages
# listed in lab/image/packages and lab/image/packages.BACKEND into an empty directory.
#
# usage: bootstrap.sh MIRROR TARGET_DIR LOG BACKEND
# Succeeds only if every package ended up configured (debootstrap can leave some unconfigured and
# its fake start-stop-daemon / policy-rc.d in place when a dependency cannot be resolved).
set -euo pipefail
mirror=$1 target=$2 log=$3 backend=$4
here=$(cd "$(dirname "$0")" && pwd)

include=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/packages" "$here/packages.$backend" | tr -s ' \n' ',' | sed 's/,$//')

debootstrap --variant=minbase --include="$include" bookworm "$target" "$mirror" >>"$log" 2>&1

# Verify: nothing half-installed, and debootstrap's fakes are gone.
unconfigured=$(chroot "$target" dpkg --audit 2>&1 || true)
if [ -n "$unconfigured" ]; then
    echo "$unconfigured" >>"$log"
    echo "bootstrap.sh: packages left unconfigured in $target (see $log):" >&2
    echo "$unconfigured" | head -n 20 >&2
    exit 1
fi
if [ -e "$target/usr/sbin/policy-rc.d" ] || [ -e "$target/usr/sbin/start-stop-daemon.REAL" ]; then
    echo "bootstrap.sh: debootstrap left policy-rc.d/start-stop-daemon.REAL behind in $target" >&2
    exit 1
fi
