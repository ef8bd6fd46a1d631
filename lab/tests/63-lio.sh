#!/bin/bash
# lab/tests/63-lio.sh — ocf:halo:lio on real LIO (docs/lio.md, "What the VM lab must test"),
# exporting /dev/drbd0 (DRBD 8.4 r0 on vdb) through portal addresses that ocf:halo:portal moves
# with it (198.19.24.60, 198.19.25.60 on VLANs 24/25), to the client's open-iscsi initiator:
#  1. the real ocf-tester and halo-conformance on the DRBD Primary;
#  2. discovery and login through the portal address; sg_inq / sg_vpd / scsi_id show the identity
#     derived from the IQN (vendor HALO, product halo-lun, revision 0001, the serial configfs
#     shows, NAA 0x6001405 + serial, the WWID 36001405...);
#  3+7. stop during I/O with the client logged in (stop in time, no target left, the initiator in
#     recovery); DRBD, portal and target move to node2; the session recovers on the same disk,
#     with byte-identical designators, and reads what was written through node1;
#  4. the ACL refuses another initiator name (exit 24); open access lets it in;
#  5. CHAP one-way and mutual; no secret in the agent's output (debug), the journal or an argv;
#  6. two portals; a portal on an address the node does not have yet (LIO binds with IP_FREEBIND:
#     no EADDRNOTAVAIL) answers once the portal agent adds it. The whole test runs with
#     net.ipv4.ip_nonlocal_bind=0: halo needs no sysctl for LIO (docs/lio.md);
#  8. killed (SIGKILL, by strace fault injection) at three points of a start (nine with --full):
#     monitor is not 0,
#     stop from there leaves nothing, and the next start (after the same kill) converges, depth
#     10 says 0;
#  9. monitor depths 0/10/20 and the drift cases, each repaired by start.
# Leaves no target, no DRBD, no portal address, no session or node record on the client.
# lab-backends: uml qemu
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
lab_halo_installed "${LAB_NODES[@]}"

IQN=iqn.2026-11.lab.test:lio1
CLIENT_IQN=iqn.2026-11.lab.test:client
OTHER_IQN=iqn.2026-11.lab.test:other
P1=198.19.24.60 P2=198.19.25.60
CHAP=/etc/halo/lab-lio.chap
IN_SECRET=LabInSecret-4f1c9a2e OUT_SECRET=LabOutSecret-8d3b7e61
T=(OCF_RESOURCE_INSTANCE=lab-lio "iqn=$IQN" device_name=lio1 backing=/dev/drbd0)
lio() { local vm=$1 action=$2; shift 2; lab_agent "$vm" lio "$action" "${T[@]}" "$@"; }
ACL=("allowed_portals=$P1" "initiators=$CLIENT_IQN")
PORTAL=(OCF_RESOURCE_INSTANCE=lab-lio-portal "addresses=$P1/24@trunk.24 $P2/24@trunk.25")
portal() { local vm=$1 action=$2; lab_agent "$vm" portal "$action" "${PORTAL[@]}"; }
TPG=/sys/kernel/config/target/iscsi/$IQN/tpgt_1

cleanup() {
    local vm
    lab_sh client "[ -e /tmp/lab-lio-dd.pid ] && kill \$(cat /tmp/lab-lio-dd.pid) 2>/dev/null
        iscsiadm -m node -u; iscsiadm -m node -o delete; iscsiadm -m iface -I other -o delete
        for p in $P1 $P2 198.19.26.60; do iscsiadm -m discoverydb -t st -p \$p -o delete; done
        rm -f /tmp/lab-lio-*; true" >/dev/null 2>&1 || true
    for vm in "${LAB_NODES[@]}"; do
        lio "$vm" stop allowed_portals="$P1 $P2" >/dev/null 2>&1 || true
        portal "$vm" stop >/dev/null 2>&1 || true
        lab_agent "$vm" portal stop OCF_RESOURCE_INSTANCE=lab-lio-portal3 addresses=198.19.26.60/24@trunk.26 >/dev/null 2>&1 || true
        lab_sh "$vm" "targetcli clearconfig confirm=True >/dev/null 2>&1
            $LAB_DRBD_R0_FORGET
            sysctl -q -w net.ipv4.ip_nonlocal_bind=0; rm -f $CHAP /tmp/lab-lio-* /tmp/ocft.txt /tmp/conf.txt
            rm -rf /run/resource-agents/lab-lio*; true" >/dev/null 2>&1 || true
    done
    rm -f "$res"
}
res=$(mktemp)
cleanup; trap cleanup EXIT

# --- set-up: LIO modules, DRBD r0 Primary on node1, the portal addresses on node1 --------------------
for vm in "${LAB_NODES[@]}"; do
    lab_expect "$vm: LIO modules, ip_nonlocal_bind=0" lab_sh "$vm" \
        'modprobe -a target_core_mod target_core_iblock target_core_file iscsi_target_mod && sysctl -q -w net.ipv4.ip_nonlocal_bind=0 net.ipv6.ip_nonlocal_bind=0'
done
lab_drbd_res r0 /dev/vdb >"$res"
lab_drbd_r0_up "$res" primary
lab_expect_rc "node1: portal $P1, $P2 up" 0 portal node1 start
lab_expect "client: iscsid running" lab_ssh client systemctl start iscsid

# --- 1. ocf-tester and halo-conformance on the Primary ------------------------------------------------
ocf_o="-o iqn=$IQN -o device_name=lio1 -o backing=/dev/drbd0 -o allowed_portals=$P1 -o initiators=$CLIENT_IQN"
lab_expect "node1: ocf-tester passes" lab_sh node1 \
    "ocf-tester -n lab-lio $ocf_o /usr/lib/ocf/resource.d/halo/lio >/tmp/ocft.txt 2>&1 || { cat /tmp/ocft.txt; exit 1; }"
lab_expect "node1: halo-conformance passes" lab_sh node1 "/usr/lib/halo/halo-conformance -n lab-lio $ocf_o \
    /usr/lib/ocf/resource.d/halo/lio >/tmp/conf.txt 2>&1 && tail -n 1 /tmp/conf.txt || { grep -v '^PASS' /tmp/conf.txt; exit 1; }"
lab_expect "node1: no target left after them" lab_sh node1 "[ ! -e /sys/kernel/config/target/iscsi/$IQN ]"

# --- 2. login and identity --------------------------------------------------------------------------
lab_expect_rc "node1: probe" 7 lio node1 monitor "${ACL[@]}"
lab_expect_rc "node1: start" 0 lio node1 start "${ACL[@]}"
lab_result start-ms "$LAB_MS"
for level in 0 10 20; do
    lab_expect_rc "node1: monitor depth $level" 0 lio node1 monitor "${ACL[@]}" OCF_CHECK_LEVEL=$level
    lab_result monitor$level-ms "$LAB_MS"
done
serial=$(lab_ssh node1 cat "/sys/kernel/config/target/core/iblock_0/lio1/wwn/vpd_unit_serial" | sed 's/^T10 VPD Unit Serial Number: //')
lab_step "node1: configfs vpd_unit_serial = $serial"
lab_expect "client: discovery through $P1 lists $IQN" \
    lab_match "$(lab_ssh client iscsiadm -m discovery -t st -p $P1)" "$P1:3260,1 $IQN"
lab_expect "client: login through $P1" lab_sh client "iscsiadm -m node -T $IQN -p $P1 --login >/dev/null"
disk_of() { lab_sh client "iscsiadm -m session -P3 2>/dev/null | sed -n 's/.*Attached scsi disk \([a-z]*\).*/\1/p' | head -n 1"; }
has_disk() { [ -n "$(disk_of)" ]; }
lab_wait_until 30 "client: the LUN appears as a disk" has_disk
disk=$(disk_of)
inq=$(lab_ssh client sg_inq "/dev/$disk")
lab_expect "sg_inq /dev/$disk: vendor HALO" lab_match "$inq" "Vendor identification: HALO"
lab_expect "sg_inq: product halo-lun" lab_match "$inq" "Product identification: halo-lun"
lab_expect "sg_inq: revision 0001" lab_match "$inq" "Product revision level: 0001"
lab_expect "sg_inq: unit serial $serial (the derived serial configfs shows)" lab_match "$inq" "Unit serial number: $serial"
vpd1=$(lab_ssh client sg_vpd -p di "/dev/$disk")
lab_expect "sg_vpd -p di: NAA designator 0x6001405 + serial + zeros" \
    lab_match "$vpd1" "0x6001405${serial}0+"
lab_expect "sg_vpd -p di: T10 vendor designator HALO (+ LIO's product:serial)" \
    lab_match "$vpd1" "vendor id: HALO +[[:space:]]+vendor specific: halo-lun:$serial"
wwid1=$(lab_ssh client /lib/udev/scsi_id -g -u -d "/dev/$disk")
lab_expect "scsi_id: WWID $wwid1 = 36001405 + serial + zeros" lab_match "$wwid1" "^36001405${serial}0+$"
sum=$(lab_sh client "head -c 1048576 /dev/urandom >/tmp/lab-lio-blk && dd if=/tmp/lab-lio-blk of=/dev/$disk bs=1M oflag=direct status=none && md5sum </tmp/lab-lio-blk")
lab_expect "node1: the block written by the client is on /dev/drbd0" \
    [ "$(lab_sh node1 'dd if=/dev/drbd0 bs=1M count=1 iflag=direct status=none | md5sum')" = "$sum" ]

# --- 7 + 3. stop during I/O, move to node2, the session recovers -------------------------------------
lab_sh client "setsid dd if=/dev/zero of=/dev/$disk bs=4k seek=2560 count=60000 oflag=direct </dev/null >/dev/null 2>&1 &
    echo \$! >/tmp/lab-lio-dd.pid"
dd_pid=$(lab_ssh client cat /tmp/lab-lio-dd.pid)
sleep 2
lab_expect "client: dd is writing" lab_ssh client kill -0 "$dd_pid"
lab_expect_rc "node1: stop with the client logged in and writing" 0 lio node1 stop "${ACL[@]}"
lab_result stop-under-io-ms "$LAB_MS"
lab_expect "node1: no target left in configfs" lab_sh node1 "[ -z \"\$(ls /sys/kernel/config/target/iscsi | grep '^iqn')\" ]"
lab_wait_until 30 "client: the session is in recovery" \
    lab_sh client "iscsiadm -m session -P1 | grep -q 'iSCSI Session State: FAILED\|Connection State: TRANSPORT WAIT\|Connection State: IN LOGIN'"
t0=$(lab_now_ms)
lab_expect_rc "node1: portal down" 0 portal node1 stop
lab_expect "DRBD: node1 Secondary, node2 Primary" lab_sh node1 'drbdadm secondary r0'
lab_expect "DRBD: node2 Primary" lab_ssh node2 drbdadm primary r0
lab_expect_rc "node2: start" 0 lio node2 start "${ACL[@]}"
lab_expect_rc "node2: portal up" 0 portal node2 start
lab_wait_until 120 "client: the session recovered (LOGGED_IN) through node2" \
    lab_sh client "iscsiadm -m session -P1 | grep -q 'iSCSI Session State: LOGGED_IN'"
lab_result move-to-session-ms $(( $(lab_now_ms) - t0 ))
lab_expect "client: the same disk ($disk)" [ "$(disk_of)" = "$disk" ]
lab_expect "client: dd is still writing or done without error" \
    lab_sh client "kill -0 $dd_pid 2>/dev/null || ! dmesg | grep -q 'I/O error.*$disk'"
lab_sh client "kill $dd_pid 2>/dev/null; true"
vpd2=$(lab_ssh client sg_vpd -p di "/dev/$disk")
lab_expect "sg_vpd -p di through node2: byte-identical designators" [ "$vpd2" = "$vpd1" ]
lab_expect "scsi_id through node2: the same WWID" [ "$(lab_ssh client /lib/udev/scsi_id -g -u -d "/dev/$disk")" = "$wwid1" ]
lab_expect "client reads through node2 the block it wrote through node1" \
    [ "$(lab_sh client "dd if=/dev/$disk bs=1M count=1 iflag=direct status=none | md5sum")" = "$sum" ]
lab_expect "client: logout" lab_sh client "iscsiadm -m node -T $IQN -u >/dev/null"

# From here on node2 is the Primary and runs the target.
# --- 4. ACL ------------------------------------------------------------------------------------------
lab_expect "client: iface 'other' with initiator name $OTHER_IQN" lab_sh client \
    "iscsiadm -m iface -I other -o new >/dev/null && iscsiadm -m iface -I other -o update -n iface.initiatorname -v $OTHER_IQN >/dev/null &&
     iscsiadm -m discovery -t st -p $P1 -I other >/dev/null"
lab_expect "client as $OTHER_IQN: login refused (authorization failure, exit 24)" \
    lab_sh client "iscsiadm -m node -T $IQN -p $P1 -I other --login >/dev/null 2>&1; [ \$? = 24 ]"
lab_expect_rc "node2: stop" 0 lio node2 stop "${ACL[@]}"
lab_expect_rc "node2: start without initiators (open access)" 0 lio node2 start "allowed_portals=$P1"
lab_expect_rc "node2: monitor depth 10, open access" 0 lio node2 monitor "allowed_portals=$P1" OCF_CHECK_LEVEL=10
lab_expect "client as $OTHER_IQN: login succeeds" lab_sh client "iscsiadm -m node -T $IQN -p $P1 -I other --login >/dev/null"
lab_wait_until 30 "client as $OTHER_IQN: sees the LUN" has_disk
lab_expect "client: logout, forget the 'other' records" \
    lab_sh client "iscsiadm -m node -T $IQN -u >/dev/null && iscsiadm -m node -o delete &&
                   iscsiadm -m discoverydb -t st -p $P1 -o delete && iscsiadm -m iface -I other -o delete >/dev/null &&
                   iscsiadm -m discovery -t st -p $P1 >/dev/null"
lab_expect_rc "node2: stop" 0 lio node2 stop "allowed_portals=$P1"

# --- 5. CHAP -------------------------------------------------------------------------------------------
lab_expect "node2: chap_file with an incoming account" lab_sh node2 \
    "mkdir -p /etc/halo && umask 077 && printf '# DIRECTION USER SECRET\nincoming lab-in $IN_SECRET\n' >$CHAP && chmod 0400 $CHAP"
lab_expect_rc "node2: start with CHAP (HA_debug=1)" 0 lio node2 start "${ACL[@]}" "chap_file=$CHAP" HA_debug=1
out=$LAB_OUT
lab_expect_rc "node2: monitor depth 10 with CHAP (HA_debug=1)" 0 lio node2 monitor "${ACL[@]}" "chap_file=$CHAP" HA_debug=1 OCF_CHECK_LEVEL=10
out+=$LAB_OUT
lab_expect "client: login without credentials refused (exit 24)" \
    lab_sh client "iscsiadm -m node -T $IQN -p $P1 --login >/dev/null 2>&1; [ \$? = 24 ]"
set_auth() {  # set_auth USER SECRET [USER_IN SECRET_IN]
    lab_sh client "n='iscsiadm -m node -T $IQN -p $P1 -o update'
        \$n -n node.session.auth.authmethod -v CHAP && \$n -n node.session.auth.username -v $1 && \$n -n node.session.auth.password -v $2 &&
        \$n -n node.session.auth.username_in -v '${3:-}' && \$n -n node.session.auth.password_in -v '${4:-}'"
}
set_auth lab-in "$IN_SECRET"
lab_expect "client: login with the incoming account succeeds" lab_sh client "iscsiadm -m node -T $IQN -p $P1 --login >/dev/null"
lab_expect "client: logout" lab_sh client "iscsiadm -m node -T $IQN -u >/dev/null"
lab_expect_rc "node2: stop" 0 lio node2 stop "${ACL[@]}" "chap_file=$CHAP"
lab_expect "node2: chap_file with incoming and outgoing (mutual)" lab_sh node2 \
    "chmod 0600 $CHAP && printf 'outgoing lab-out $OUT_SECRET\n' >>$CHAP && chmod 0400 $CHAP"
strace_out=$(lab_sh node2 "env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=lab-lio \
    OCF_RESKEY_iqn=$IQN OCF_RESKEY_device_name=lio1 OCF_RESKEY_backing=/dev/drbd0 OCF_RESKEY_allowed_portals=$P1 \
    OCF_RESKEY_initiators=$CLIENT_IQN OCF_RESKEY_chap_file=$CHAP HA_debug=1 \
    strace -f -qq -e trace=execve,clone,clone3,fork,vfork -o /tmp/lab-lio-strace /usr/lib/ocf/resource.d/halo/lio start 2>&1; echo rc=\$?; cat /tmp/lab-lio-strace")
out+=$strace_out
lab_expect "node2: start with mutual CHAP (under strace) → 0" lab_match "$strace_out" "rc=0"
lab_expect "the start ran one program (itself) and started no process" \
    [ "$(printf '%s\n' "$strace_out" | grep -c 'execve(\|clone(\|clone3(\|fork(')" = 1 ]
set_auth lab-in "$IN_SECRET" lab-out "$OUT_SECRET"
lab_expect "client: mutual CHAP login (username_in/password_in) succeeds" \
    lab_sh client "iscsiadm -m node -T $IQN -p $P1 --login >/dev/null"
lab_expect "client: logout" lab_sh client "iscsiadm -m node -T $IQN -u >/dev/null"
set_auth lab-in "$IN_SECRET" lab-out "WrongSecret-000000"
lab_expect "client: mutual CHAP with a wrong target secret fails (the initiator refuses the target)" \
    lab_sh client "! iscsiadm -m node -T $IQN -p $P1 --login >/dev/null 2>&1"
lab_expect_rc "node2: monitor depth 10 (CHAP users checked)" 0 lio node2 monitor "${ACL[@]}" "chap_file=$CHAP" OCF_CHECK_LEVEL=10 HA_debug=1
out+=$LAB_OUT
journal=$(lab_sh node2 "journalctl -q --no-pager -o verbose --since '-10min'")
for s in "$IN_SECRET" "$OUT_SECRET"; do
    lab_expect "secret ${s:0:8}…: not in the agent's output (debug logging)" [ "${out/$s/}" = "$out" ]
    lab_expect "secret ${s:0:8}…: not in node2's journal (last 10 min, verbose)" [ "${journal/$s/}" = "$journal" ]
done
lab_expect "the secrets are in configfs, where they belong (the checks above could fail)" \
    lab_sh node2 "grep -q '$IN_SECRET' '$TPG/acls/$CLIENT_IQN/auth/password'"
lab_expect_rc "node2: stop" 0 lio node2 stop "${ACL[@]}" "chap_file=$CHAP"
lab_sh client "iscsiadm -m node -o delete"   # forget the CHAP settings

# --- 6. portals --------------------------------------------------------------------------------------
TWO=("allowed_portals=$P1 $P2" "initiators=$CLIENT_IQN")
lab_expect_rc "node2: start with two portals" 0 lio node2 start "${TWO[@]}"
lab_expect "node2: np/$P1:3260 and np/$P2:3260" lab_sh node2 "[ -d '$TPG/np/$P1:3260' ] && [ -d '$TPG/np/$P2:3260' ]"
for p in $P1 $P2; do
    lab_expect "client: discovery through $p lists the target" lab_match "$(lab_ssh client iscsiadm -m discovery -t st -p $p)" "$p:3260,1 $IQN"
done
lab_expect_rc "node2: monitor depth 10" 0 lio node2 monitor "${TWO[@]}" OCF_CHECK_LEVEL=10
lab_expect_rc "node2: stop" 0 lio node2 stop "${TWO[@]}"
# LIO binds its portal sockets with IP_FREEBIND (every kernel version read, 3.x to mainline;
# docs/lio.md), so with ip_nonlocal_bind=0 the np directory of an address the node does not have
# is made anyway and the portal answers as soon as the address arrives: the target and the portal
# addresses may come up in either order. This checks what the kernel does.
P3=198.19.26.60
lab_expect_rc "node2, ip_nonlocal_bind=0: start with $P3 (not an address of node2 yet)" 0 \
    lio node2 start "allowed_portals=$P3" "initiators=$CLIENT_IQN"
lab_expect "node2: np/$P3:3260 exists, no address $P3 on node2" \
    lab_sh node2 "[ -d '$TPG/np/$P3:3260' ] && ! ip -4 addr | grep -q '$P3/'"
lab_expect_rc "node2: portal $P3 up after the target" 0 \
    lab_agent node2 portal start OCF_RESOURCE_INSTANCE=lab-lio-portal3 "addresses=$P3/24@trunk.26"
lab_expect "client: discovery through $P3 lists the target (the socket was bound with IP_FREEBIND)" \
    lab_match "$(lab_ssh client iscsiadm -m discovery -t st -p $P3)" "$P3:3260,1 $IQN"
lab_expect_rc "node2: portal $P3 down" 0 lab_agent node2 portal stop OCF_RESOURCE_INSTANCE=lab-lio-portal3 "addresses=$P3/24@trunk.26"
lab_expect_rc "node2: stop" 0 lio node2 stop "allowed_portals=$P3" "initiators=$CLIENT_IQN"
lab_sh client "iscsiadm -m node -o delete; iscsiadm -m discoverydb -t st -p $P3 -o delete"

# --- 8. killed during start: the next start converges ---------------------------------------------------
# A start takes ~0.4 s in the guest, too short to hit reliably with a timer; strace's fault
# injection sends SIGKILL when the agent enters its N-th mkdir / symlink / write (of 10 / 2 / 10 configfs writes + 1 log line).
points="mkdir:6 symlink:2 write:10"                   # TPG made; ACL mapping dir without link; not enabled
lab_full && points="mkdir:2 mkdir:4 mkdir:6 mkdir:9 symlink:1 symlink:2 write:3 write:7 write:10"
# start_killed_at CALL N — node2's lio start, killed by strace at the Nth CALL system call.
start_killed_at() {
    lab_sh node2 "env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=lab-lio \
        OCF_RESKEY_iqn=$IQN OCF_RESKEY_device_name=lio1 OCF_RESKEY_backing=/dev/drbd0 OCF_RESKEY_allowed_portals=$P1 \
        OCF_RESKEY_initiators=$CLIENT_IQN strace -f -qq -o /dev/null -e trace=$1 -e inject=$1:signal=KILL:when=$2 \
        /usr/lib/ocf/resource.d/halo/lio start >/dev/null 2>&1; true" 2>/dev/null
}
for point in $points; do
    call=${point%:*} n=${point#*:}
    start_killed_at "$call" "$n"
    left=$(lab_sh node2 "find /sys/kernel/config/target/iscsi /sys/kernel/config/target/core -mindepth 1 -maxdepth 5 -type d 2>/dev/null | grep -c 'lio1\|$IQN' || true")
    lab_expect_rc "killed at $call #$n ($left configfs directories made): monitor depth 0 is not 0" "1|7" lio node2 monitor "${ACL[@]}"
    lab_expect_rc "stop from the half-made state (a failed stop would get the node fenced)" 0 lio node2 stop "${ACL[@]}"
    lab_expect "nothing of lab-lio left in configfs" lab_sh node2 "! find /sys/kernel/config/target -maxdepth 5 -type d | grep -q 'lio1\|$IQN'"
    # Again, and this time start repairs it.
    start_killed_at "$call" "$n"
    lab_expect_rc "killed at $call #$n again: start converges" 0 lio node2 start "${ACL[@]}"
    lab_expect_rc "monitor depth 10" 0 lio node2 monitor "${ACL[@]}" OCF_CHECK_LEVEL=10
    lab_expect_rc "stop" 0 lio node2 stop "${ACL[@]}"
done

# --- 9. drift, each repaired by start ---------------------------------------------------------------------
lab_expect_rc "node2: start" 0 lio node2 start "${ACL[@]}"
lab_expect "targetcli: an ACL for $OTHER_IQN added by hand" \
    lab_sh node2 "targetcli /iscsi/$IQN/tpg1/acls create $OTHER_IQN >/dev/null"
lab_expect_rc "extra ACL: depth 0" 0 lio node2 monitor "${ACL[@]}"
lab_expect_rc "extra ACL: depth 10" 1 lio node2 monitor "${ACL[@]}" OCF_CHECK_LEVEL=10
lab_expect_reason "the ACLs differ" "ACLs.*differ"
lab_expect_rc "start repairs" 0 lio node2 start "${ACL[@]}"
lab_expect_rc "depth 10" 0 lio node2 monitor "${ACL[@]}" OCF_CHECK_LEVEL=10
# drift WHAT COMMAND REASON REGEX — COMMAND (in node2) breaks the target behind the agent's back:
# monitor depth 0 fails with a reason matching REGEX, start repairs it, depth 10 is clean again.
drift() {
    lab_ssh node2 bash -c "$2"
    lab_expect_rc "$1 by hand: depth 0" 1 lio node2 monitor "${ACL[@]}"
    lab_expect_reason "$3" "$4"
    lab_expect_rc "start repairs" 0 lio node2 start "${ACL[@]}"
    lab_expect_rc "depth 10" 0 lio node2 monitor "${ACL[@]}" OCF_CHECK_LEVEL=10
}
drift "generate_node_acls=1" "echo 1 >$TPG/attrib/generate_node_acls" "lets every initiator in" "lets every initiator in"
drift "TPG disabled" "echo 0 >$TPG/enable" "is disabled" "disabled"
drift "the client's mapped LUN removed" \
    "cd '$TPG/acls/$CLIENT_IQN/lun_0' && rm -f -- \$(find . -maxdepth 1 -type l) && cd .. && rmdir lun_0" \
    "has no mapping of LUN 0" "no mapping of LUN 0"
lab_expect "targetcli: the target deleted by hand, its storage object kept" \
    lab_sh node2 "targetcli /iscsi delete $IQN >/dev/null && [ -d /sys/kernel/config/target/core/iblock_0/lio1 ]"
lab_expect_rc "target gone, storage object left: depth 0" 1 lio node2 monitor "${ACL[@]}"
lab_expect_reason "a start was cut short?" "cut short"
lab_expect_rc "start repairs" 0 lio node2 start "${ACL[@]}"
lab_expect_rc "depth 20" 0 lio node2 monitor "${ACL[@]}" OCF_CHECK_LEVEL=20
lab_expect "targetcli clearconfig confirm=True" lab_sh node2 'targetcli clearconfig confirm=True >/dev/null'
lab_expect_rc "after clearconfig: monitor" 7 lio node2 monitor "${ACL[@]}"
lab_expect_rc "stop" 0 lio node2 stop "${ACL[@]}"
