#!/bin/bash
# lab/tests/67-lio-reload.sh — ocf:halo:lio's reload-agent on real LIO (docs/lio.md,
# "reload-agent"), with the client's verifying writer running on its session all along:
#  1. a second initiator name added to `initiators` (reload), logs in and sees the LUN;
#  2. removed again (reload): LIO closes its session, its next login is refused;
#  3. the CHAP secret rotated through a new `chap_file` (reload): the old secret is refused, the
#     new one logs in;
#  4. a portal added on another VLAN (reload): discovery and login through it;
#  5. (after the writer) open access, another initiator logs in and out, then an initiator list
#     without it (reload): its next login is refused — LIO's generated ACL is gone with the TPG;
# then the writer's verdict: 0 write errors, every acknowledged write read back, the longest gap
# between acknowledged writes (measured; a reconnect would be ≥ 2 s: open-iscsi's
# DefaultTime2Wait), and the client's session never dropped (no connection error in its kernel
# log). Each reload's time is measured. Leaves no target, DRBD, portal address or session behind.
# lab-backends: uml
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
lab_halo_installed "${LAB_NODES[@]}"

IQN=iqn.2026-11.lab.test:reload1
CLIENT_IQN=iqn.2026-11.lab.test:client
OTHER_IQN=iqn.2026-11.lab.test:esx2
P1=198.19.24.61 P2=198.19.25.61
CHAP_A=/etc/halo/lab-reload-a.chap CHAP_B=/etc/halo/lab-reload-b.chap
SECRET_A=LabReloadSecret-A-7c2e SECRET_B=LabReloadSecret-B-91f4
T=(OCF_RESOURCE_INSTANCE=lab-reload "iqn=$IQN" device_name=reload1 backing=/dev/drbd0)
lio() { local action=$1; shift; lab_agent node1 lio "$action" "${T[@]}" "$@"; }
PORTAL=(OCF_RESOURCE_INSTANCE=lab-reload-portal "addresses=$P1/24@trunk.24 $P2/24@trunk.25")
portal() { lab_agent node1 portal "$1" "${PORTAL[@]}"; }

cleanup() {
    lab_sh client "[ -e /root/lab-reload.pid ] && kill \$(cat /root/lab-reload.pid) 2>/dev/null
        iscsiadm -m node -u; iscsiadm -m node -o delete; iscsiadm -m iface -I other -o delete
        for p in $P1 $P2; do iscsiadm -m discoverydb -t st -p \$p -o delete; done
        rm -f /root/lab-reload*; true" >/dev/null 2>&1 || true
    lio stop "allowed_portals=$P1 $P2" >/dev/null 2>&1 || true
    portal stop >/dev/null 2>&1 || true
    for vm in "${LAB_NODES[@]}"; do
        lab_sh "$vm" "$LAB_DRBD_R0_FORGET
            rm -f $CHAP_A $CHAP_B; rm -rf /run/resource-agents/lab-reload*; true" >/dev/null 2>&1 || true
    done
    rm -f "$res" "$writer"
}
res=$(mktemp) writer=$(mktemp)
cleanup; trap cleanup EXIT

# --- set-up: DRBD r0 Primary on node1, the portal addresses, the target with an ACL and CHAP --------
lab_expect "node1: LIO modules" lab_sh node1 'modprobe -a target_core_mod target_core_iblock iscsi_target_mod'
lab_drbd_res r0 /dev/vdb >"$res"
lab_drbd_r0_up "$res" primary
lab_expect_rc "node1: portal $P1, $P2 up" 0 portal start
lab_expect "node1: two CHAP files (incoming lab-in, secrets A and B)" lab_sh node1 \
    "mkdir -p /etc/halo && umask 077 && printf 'incoming lab-in $SECRET_A\n' >$CHAP_A && printf 'incoming lab-in $SECRET_B\n' >$CHAP_B"
ONE=("allowed_portals=$P1" "initiators=$CLIENT_IQN" "chap_file=$CHAP_A")
lab_expect_rc "node1: start (ACL: the client; CHAP: file A)" 0 lio start "${ONE[@]}"

# --- the client's session and its writer ------------------------------------------------------------
lab_ssh node1 cat /usr/lib/halo/halo-writer >"$writer"
chmod 0755 "$writer"
lab_copy client "$writer" /usr/local/bin/halo-writer
# auth IFACE SECRET — CHAP user lab-in with SECRET for the node record of IFACE through $P1 (or $2's portal).
auth() {
    lab_sh client "n='iscsiadm -m node -T $IQN -p ${3:-$P1} -I $1 -o update'
        \$n -n node.session.auth.authmethod -v CHAP && \$n -n node.session.auth.username -v lab-in && \$n -n node.session.auth.password -v $2"
}
first_login() {
    lab_sh client "systemctl start iscsid && iscsiadm -m discovery -t st -p $P1 >/dev/null" &&
        auth default "$SECRET_A" && lab_sh client "iscsiadm -m node -T $IQN -p $P1 -I default --login >/dev/null"
}
lab_expect "client: discovery through $P1, CHAP A, login" first_login
disk_of() {  # the disk of the session of initiator name $1
    lab_sh client "iscsiadm -m session -P3 2>/dev/null" | awk -v ini="$1" '
        /Iface Initiatorname:/ { current = $3 } /Attached scsi disk/ && current == ini { print $4; exit }'
}
has_disk() { [ -n "$(disk_of "$1")" ]; }
lab_wait_until 30 "client: the LUN appears as a disk" has_disk "$CLIENT_IQN"
disk=/dev/$(disk_of "$CLIENT_IQN")
# The session's id: the kernel names its connection "connectionSID:0" (the other initiator's
# session, closed on purpose below, has another).
sid=$(lab_sh client "iscsiadm -m session -P1 2>/dev/null" | awk -v ini="$CLIENT_IQN" '
    /Iface Initiatorname:/ { current = $3 } /SID:/ && current == ini { print $2; exit }')
since=$(lab_sh client "date '+%Y-%m-%d %H:%M:%S'")
lab_expect "client: $disk is the client's session's disk" [ "$disk" != /dev/ ]
lab_expect "client: the verifying writer on $disk (one write per 20 ms)" lab_sh client \
    "setsid halo-writer write $disk /root/lab-reload.log --tag RELOAD --blocks 4096 --interval 20 </dev/null >/dev/null 2>&1 &
     echo \$! >/root/lab-reload.pid"
sleep 3

# reload NAME WHAT PARAMETERS… — a reload with PARAMETERS, expected 0 and in place; its time
# measured as reload-NAME-ms.
reload() {
    local name=$1 what=$2; shift 2
    lab_expect_rc "node1: reload-agent: $what" 0 lio reload-agent "$@"
    lab_result "reload-$name-ms" "$LAB_MS"
    lab_expect_output "  …in place, allowed initiators' sessions kept" "target reloaded in place"
    lab_expect_rc "node1: monitor depth 10 after it" 0 lio monitor "$@" OCF_CHECK_LEVEL=10
}

# --- 1. an initiator added ----------------------------------------------------------------------------
TWO=("allowed_portals=$P1" "initiators=$CLIENT_IQN $OTHER_IQN" "chap_file=$CHAP_A")
reload initiator-added "initiator added: $OTHER_IQN" "${TWO[@]}"
other_login() {
    lab_sh client "iscsiadm -m iface -I other -o new >/dev/null && iscsiadm -m iface -I other -o update -n iface.initiatorname -v $OTHER_IQN >/dev/null &&
        iscsiadm -m discovery -t st -p $P1 -I other >/dev/null" &&
        auth other "$SECRET_A" && lab_sh client "iscsiadm -m node -T $IQN -p $P1 -I other --login >/dev/null"
}
lab_expect "client: iface 'other' ($OTHER_IQN), CHAP A, login" other_login
lab_wait_until 30 "client as $OTHER_IQN: sees the LUN" has_disk "$OTHER_IQN"

# --- 2. removed again -------------------------------------------------------------------------------------
reload initiator-removed "initiator removed: $OTHER_IQN" "${ONE[@]}"
other_gone() {
    [ "$(lab_sh client "iscsiadm -m session -P1 2>/dev/null" | awk -v ini="$OTHER_IQN" '
        /Iface Initiatorname:/ { current = $3 } /iSCSI Session State:/ && current == ini { print $4 }')" != LOGGED_IN ]
}
lab_wait_until 30 "client as $OTHER_IQN: its session is no longer logged in (LIO closed it)" other_gone
lab_expect "client as $OTHER_IQN: logout, a new login refused (exit 24)" lab_sh client \
    "iscsiadm -m node -T $IQN -p $P1 -I other -u >/dev/null 2>&1; iscsiadm -m node -T $IQN -p $P1 -I other --login >/dev/null 2>&1; [ \$? = 24 ]"

# --- 3. the CHAP secret rotated through a new file ------------------------------------------------------
ROTATED=("allowed_portals=$P1" "initiators=$CLIENT_IQN $OTHER_IQN" "chap_file=$CHAP_B")
reload chap-rotated "CHAP secret rotated (chap_file B), $OTHER_IQN allowed again" "${ROTATED[@]}"
lab_expect "client as $OTHER_IQN with the old secret A: login refused (exit 24)" lab_sh client \
    "iscsiadm -m node -T $IQN -p $P1 -I other --login >/dev/null 2>&1; [ \$? = 24 ]"
lab_expect "client as $OTHER_IQN: CHAP B in its node record" auth other "$SECRET_B"
lab_expect "client as $OTHER_IQN with the new secret B: login" lab_sh client "iscsiadm -m node -T $IQN -p $P1 -I other --login >/dev/null"
lab_expect "client as $OTHER_IQN: logout" lab_sh client "iscsiadm -m node -T $IQN -p $P1 -I other -u >/dev/null"

# --- 4. a portal on another VLAN -------------------------------------------------------------------------
PORTALS=("allowed_portals=$P1 $P2" "initiators=$CLIENT_IQN $OTHER_IQN" "chap_file=$CHAP_B")
reload portal-added "portal added: $P2 (VLAN 25)" "${PORTALS[@]}"
lab_expect "client: discovery through $P2 lists the target" lab_match "$(lab_ssh client iscsiadm -m discovery -t st -p $P2 -I other)" "$P2:3260,1 $IQN"
lab_expect "client as $OTHER_IQN: CHAP B in its node record for $P2" auth other "$SECRET_B" "$P2"
lab_expect "client as $OTHER_IQN: login through $P2" lab_sh client "iscsiadm -m node -T $IQN -p $P2 -I other --login >/dev/null"
lab_expect "client as $OTHER_IQN: logout" lab_sh client "iscsiadm -m node -T $IQN -p $P2 -I other -u >/dev/null"

# --- the verdict of the session that lived through all of it ----------------------------------------
sleep 2
verdict=$(lab_sh client "kill -TERM \$(cat /root/lab-reload.pid); while kill -0 \$(cat /root/lab-reload.pid) 2>/dev/null; do sleep 0.2; done
    halo-writer verify $disk /root/lab-reload.log --tag RELOAD" || true)
printf '  writer: %s\n' "$verdict"
field() { python3 -c 'import json, sys; print(json.loads(sys.argv[1])[sys.argv[2]])' "$verdict" "$1"; }
lab_expect "the writer's verdict was read" [ -n "$(field acknowledged 2>/dev/null)" ]
lab_result acknowledged-writes "$(field acknowledged)"
lab_result longest-gap-s "$(field longestGapSeconds)"
for key in writeErrors lost corrupt unreadable wrongTag; do
    lab_expect "writer: $key = 0" [ "$(field "$key")" = 0 ]
done
lab_expect "writer: the longest gap between acknowledged writes is under 1 s (a reconnect takes ≥ 2 s)" \
    python3 -c 'import sys; sys.exit(0 if float(sys.argv[1]) < 1.0 else 1)' "$(field longestGapSeconds)"
lab_expect "client: the session's id is known ($sid)" [ -n "$sid" ]
lab_expect "client: its session never dropped (no error of connection$sid:0 in its kernel log since the login)" \
    lab_sh client "! journalctl -k -q --no-pager --since '$since' | grep -q 'connection$sid:0: detected conn error'"
lab_expect "client: the closed session of $OTHER_IQN is in the same log (the check above could fail)" \
    lab_sh client "journalctl -k -q --no-pager --since '$since' | grep -q 'detected conn error'"

# --- 5. open access, then an initiator list again: LIO forgets whom it admitted on its own -----------
# (after the writer's verdict: both switches make every initiator log in again). Under open access
# LIO generates an ACL for each initiator that logs in and keeps it, invisible in configfs, after
# the logout; generate_node_acls=0, even with the TPG disabled and enabled, still lets that
# initiator in (found here, 2026-12-06). The reload to a list makes the TPG again.
lab_expect "client: logout of the writer's session" lab_sh client "iscsiadm -m node -T $IQN -p $P1 -I default -u >/dev/null"
OPEN=("allowed_portals=$P1 $P2" "chap_file=$CHAP_B")
lab_expect_rc "node1: reload-agent: open access (no initiators)" 0 lio reload-agent "${OPEN[@]}"
lab_expect_rc "node1: monitor depth 10 after it" 0 lio monitor "${OPEN[@]}" OCF_CHECK_LEVEL=10
# (step 4's discovery through $P2 rewrote the node record for $P1 without CHAP)
lab_expect "client as $OTHER_IQN: CHAP B in its node record for $P1" auth other "$SECRET_B"
lab_expect "client as $OTHER_IQN: login under open access (CHAP B; LIO generates its ACL), then logout" lab_sh client \
    "iscsiadm -m node -T $IQN -p $P1 -I other --login >/dev/null && iscsiadm -m node -T $IQN -p $P1 -I other -u >/dev/null"
LISTED=("allowed_portals=$P1 $P2" "initiators=$CLIENT_IQN" "chap_file=$CHAP_B")
lab_expect_rc "node1: reload-agent: an initiator list without $OTHER_IQN" 0 lio reload-agent "${LISTED[@]}"
lab_result reload-open-to-list-ms "$LAB_MS"
said=$LAB_OUT
lab_expect "client as $OTHER_IQN: login refused (exit 24): the ACL LIO had generated for it is gone" lab_sh client \
    "iscsiadm -m node -T $IQN -p $P1 -I other --login >/dev/null 2>&1; [ \$? = 24 ]"
LAB_OUT=$said lab_expect_output "  …the reload said it made the TPG again" "TPG made again"
lab_expect_rc "node1: monitor depth 10 after it" 0 lio monitor "${LISTED[@]}" OCF_CHECK_LEVEL=10
lab_expect "client: CHAP B in its node record" auth default "$SECRET_B"
lab_expect "client: its own login (listed) works, then logout" lab_sh client \
    "iscsiadm -m node -T $IQN -p $P1 -I default --login >/dev/null && iscsiadm -m node -T $IQN -p $P1 -I default -u >/dev/null"
lab_expect_rc "node1: stop" 0 lio stop "${LISTED[@]}"
