#!/bin/bash
# lab/tests/40-drbd.sh — DRBD 8.4 between node1 and node2 over the replication link: r0 on
# /dev/vdb connects, skips the initial sync (fresh disks), node1 becomes Primary, a write on
# node1 arrives on node2's backing disk. Leaves both nodes without DRBD configured.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

# Leave no DRBD behind, also when a step fails (and clear what an earlier failed run left).
cleanup() {
    local vm
    for vm in "${LAB_NODES[@]}"; do
        lab_sh "$vm" "$LAB_DRBD_R0_FORGET" >/dev/null 2>&1 || true
    done
    rm -f "$res"
}
res=$(mktemp)
cleanup; trap cleanup EXIT
lab_drbd_res r0 /dev/vdb >"$res"
for vm in "${LAB_NODES[@]}"; do
    lab_copy "$vm" "$res" /etc/drbd.d/r0.res
    lab_expect "$vm: drbdadm create-md r0" lab_sh "$vm" 'drbdadm create-md --force r0 >/dev/null 2>&1' 
done
t0=$(lab_now_ms)
lab_ssh node1 drbdadm up r0 & lab_ssh node2 drbdadm up r0 & wait
lab_wait_until 60 "r0 Connected on both nodes" lab_sh node1 '[ "$(drbdadm cstate r0)" = Connected ]'
lab_result drbd-connect-ms $(( $(lab_now_ms) - t0 ))

lab_expect "node1: skip the initial sync of the empty disks" \
    lab_ssh node1 drbdadm -- --clear-bitmap new-current-uuid r0
lab_wait_until 30 "UpToDate/UpToDate" lab_sh node1 '[ "$(drbdadm dstate r0)" = UpToDate/UpToDate ]'
lab_expect "node1: promote" lab_ssh node1 drbdadm primary r0
lab_expect "node1 Primary, node2 Secondary" [ "$(lab_ssh node1 drbdadm role r0)" = Primary/Secondary ]

sum=$(lab_sh node1 'head -c 1048576 /dev/urandom >/tmp/blk && dd if=/tmp/blk of=/dev/drbd0 bs=1M oflag=direct status=none && md5sum </tmp/blk')
lab_expect "node2's /dev/vdb holds the block written on node1" \
    [ "$(lab_sh node2 'dd if=/dev/vdb bs=1M count=1 iflag=direct status=none | md5sum')" = "$sum" ]

lab_expect "node1: demote" lab_ssh node1 drbdadm secondary r0
for vm in "${LAB_NODES[@]}"; do
    lab_expect "$vm: down and wipe r0" lab_sh "$vm" \
        'drbdadm down r0 && drbdadm -- --force wipe-md r0 >/dev/null 2>&1 && rm /etc/drbd.d/r0.res'
done
