#!/bin/bash
# lab/tests/05-guests.sh — every guest is its own machine on a closed network: its own hostname
# and machine-id, the cluster units disabled, no default route anywhere, and the fence agent
# reaches the lab's fence service.
# lab-backends: uml qemu
# lab-default-run: uml qemu
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

ids=()
for vm in "${LAB_VMS[@]}"; do
    lab_expect "$vm: hostname is $vm" [ "$(lab_ssh "$vm" hostname)" = "$vm" ]
    ids+=("$(lab_ssh "$vm" cat /etc/machine-id)")
    lab_expect "$vm: halolab-setup succeeded" lab_ssh "$vm" systemctl is-active --quiet halolab-setup
    lab_expect "$vm: cluster and storage units are not enabled" \
        lab_sh "$vm" '! systemctl is-enabled --quiet corosync pacemaker drbd iscsid open-iscsi 2>/dev/null'
    lab_expect "$vm: no default route" [ -z "$(lab_ssh "$vm" ip route show default)" ]
    failed=$(lab_ssh "$vm" systemctl list-units --failed --plain --no-legend)
    [ -z "$failed" ] || echo "  note: $vm has failed units: $failed"
done
lab_expect "machine-ids differ (${ids[*]})" [ "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" = 3 ]
lab_expect "the lab namespace has no default route" [ -z "$(lab_ns ip route show default)" ]

lab_expect "fence_halolab metadata is well-formed XML" \
    lab_sh node1 'fence_halolab -o metadata | xmllint --noout -'
lab_expect "fence_halolab lists the guests" \
    lab_sh node1 'fence_halolab -o list | grep -qx "node2,node2"'
lab_expect "fence_halolab status (stdin options) says client is on" \
    lab_sh node1 'printf "action=status\nport=client\n" | fence_halolab'
lab_expect "fence_halolab monitor" lab_ssh node2 fence_halolab --action=monitor
