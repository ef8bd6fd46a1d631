#!/bin/bash
# lab/tests/10-modules.sh — the guests' Debian kernel loads the modules halo drives: DRBD 8.4,
# dm-crypt, 802.1Q VLANs and the LIO iSCSI target.
# lab-backends: uml qemu
# lab-default-run: uml qemu
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

modules=(drbd dm_crypt 8021q target_core_mod iscsi_target_mod target_core_iblock)
for vm in "${LAB_NODES[@]}"; do
    lab_expect "$vm: modprobe ${modules[*]}" lab_ssh "$vm" modprobe -a "${modules[@]}"
    for m in "${modules[@]}"; do
        lab_expect "$vm: /sys/module/$m present" lab_ssh "$vm" test -d "/sys/module/$m"
    done
    version=$(lab_ssh "$vm" head -n 1 /proc/drbd)
    lab_expect "$vm: DRBD 8.4 ($version)" lab_match "$version" "^version: 8\.4\."
done
lab_result kernel "$(lab_ssh node1 uname -r)"
