#!/bin/bash
# lab/tests/30-disks.sh — each storage node has its two extra disks, empty, 512 MiB each, also
# under stable names (/dev/disk/by-id/virtio-NODE-diskN).
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

for vm in "${LAB_NODES[@]}"; do
    for d in 1 2; do
        dev=/dev/vd$(echo " b c" | cut -d' ' -f$((d + 1)))
        lab_expect "$vm: $dev is 512 MiB" [ "$(lab_ssh "$vm" blockdev --getsize64 "$dev")" = 536870912 ]
        lab_expect "$vm: /dev/disk/by-id/virtio-$vm-disk$d -> $dev" \
            [ "$(lab_ssh "$vm" readlink -f "/dev/disk/by-id/virtio-$vm-disk$d")" = "$dev" ]
        lab_expect "$vm: $dev starts empty" \
            lab_sh "$vm" "cmp -s -n 1048576 $dev /dev/zero"
    done
done
