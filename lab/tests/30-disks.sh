#!/bin/bash
# lab/tests/30-disks.sh — each storage node has its two extra disks, empty, 512 MiB each, as
# /dev/vdb and /dev/vdc (on UML udev's names for ubdb and ubdc) and under stable names from
# their serial (/dev/disk/by-id/virtio-NODE-diskN on QEMU, ubd-NODE-diskN on UML).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

for vm in "${LAB_NODES[@]}"; do
    for d in 1 2; do
        dev=/dev/vd$(echo " b c" | cut -d' ' -f$((d + 1)))
        by_id=/dev/disk/by-id/${LAB_DISK_BY_ID_PREFIX[$LAB_BACKEND]}$vm-disk$d
        lab_expect "$vm: $dev is 512 MiB" [ "$(lab_ssh "$vm" blockdev --getsize64 "$dev")" = 536870912 ]
        node=$(lab_ssh "$vm" readlink -f "$dev")
        lab_expect "$vm: $dev is a block device ($node)" lab_ssh "$vm" test -b "$node"
        lab_expect "$vm: $by_id -> $node" [ "$(lab_ssh "$vm" readlink -f "$by_id")" = "$node" ]
        lab_expect "$vm: $dev starts empty" \
            lab_sh "$vm" "cmp -s -n 1048576 $dev /dev/zero"
    done
done
