#!/bin/bash
# lab/tests/66-hung-io.sh — every block read of the agents is bounded (DESIGN §4): with the I/O
# of a DRBD device frozen (`drbdadm suspend-io`, what `fencing resource-and-stonith` does while
# the fence-peer handler runs), the agents answer within their timeout, with a reason naming the
# device and the wait, and leave only their reading child (halo-bounded-read) behind, in D state,
# until the device answers again. LUKS above DRBD (one header on /dev/drbd0, opened by UUID on the
# Primary) with an ocf:halo:lio target on the mapping:
#  A. running, I/O frozen: luks monitor 0 answers 0 (sysfs only); 10 and 20 answer 1, "/dev/drbd0
#     did not answer a read within … s: its I/O hangs"; lio monitor 10 answers 0, 20 and a depth-20
#     probe answer 1, "reading a block of /dev/mapper/lab-hang failed: no answer within … s"; every
#     one within its CRM_meta_timeout; no agent process is left, a stuck reader is; after
#     resume-io the readers end and every monitor answers 0 again.
#  B. closed, I/O frozen: luks start by UUID (the scan of every block device) and by path both
#     answer 1 within the timeout, naming /dev/drbd0; after resume-io start by UUID opens it.
# Leaves no target, no mapping, no DRBD, no LUKS header, no key file behind.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
lab_halo_installed "${LAB_NODES[@]}"

U=1ab1c5e0-0000-4000-8000-000000000066
KEY=/root/lab-hang.key
IQN=iqn.2026-11.lab.test:hang1
L=(OCF_RESOURCE_INSTANCE=lab-hang-luks name=lab-hang "key=$KEY")
T=(OCF_RESOURCE_INSTANCE=lab-hang-lio "iqn=$IQN" device_name=hang1 backing=/dev/mapper/lab-hang allowed_portals=198.19.24.66)
luks() { local vm=$1 action=$2; shift 2; lab_agent "$vm" luks "$action" "${L[@]}" "$@"; }
lio() { local vm=$1 action=$2; shift 2; lab_agent "$vm" lio "$action" "${T[@]}" "$@"; }
# A recurring monitor and a probe, each with a 10 s timeout.
MON=(CRM_meta_timeout=10000 CRM_meta_interval=60000)
PROBE=(CRM_meta_timeout=10000 CRM_meta_interval=0)
TIMEOUT_MS=10000
readers() { lab_sh node1 "ps -eo stat=,args= | grep -c '^D.*halo-bounded-read' || true"; }
no_readers() { [ "$(lab_sh node1 "pgrep -fc '^halo-bounded-read' || true")" = 0 ]; }
no_agents() { ! lab_sh node1 "pgrep -f 'resource.d/halo/(luks|lio)|halo-agent-d[l] luks' >/dev/null"; }

cleanup() {
    local vm
    for vm in "${LAB_NODES[@]}"; do
        lab_sh "$vm" "drbdadm resume-io r0 2>/dev/null
            targetcli clearconfig confirm=True >/dev/null 2>&1
            sleep 0.5; dmsetup remove lab-hang 2>/dev/null
            $LAB_DRBD_R0_FORGET
            wipefs -q -a -f /dev/vdb; rm -f $KEY; rm -rf /run/resource-agents/lab-hang*; true" >/dev/null 2>&1 || true
    done
    rm -f "$res"
}
res=$(mktemp)
cleanup; trap cleanup EXIT

# The time a command over ssh takes with nothing to do (the most of three): what LAB_MS holds
# beyond the agent's own run, which is what the operation's timeout bounds.
SSH_MS=0
for _ in 1 2 3; do
    t0=$(lab_now_ms); lab_ssh node1 true; ms=$(( $(lab_now_ms) - t0 ))
    [ "$ms" -gt "$SSH_MS" ] && SSH_MS=$ms
done
lab_step "ssh round trip to node1: up to $SSH_MS ms"

# answers_in_time WHAT [TIMEOUT_MS] — the last lab_expect_rc's agent finished within the
# operation's timeout (LAB_MS less the ssh round trip).
answers_in_time() {
    local limit=${2:-$TIMEOUT_MS}
    lab_expect "$1 answered in $LAB_MS ms (ssh included), within the $limit ms timeout" [ $(( LAB_MS - SSH_MS )) -lt "$limit" ]
}

lab_expect "node1: LIO modules" lab_ssh node1 modprobe -a target_core_mod target_core_iblock iscsi_target_mod
lab_drbd_res r0 /dev/vdb >"$res"
lab_drbd_r0_up "$res" primary
lab_expect "node1: key file $KEY" lab_sh node1 "umask 077; head -c 32 /dev/urandom >$KEY && chmod 0400 $KEY"
lab_expect "node1: luksFormat /dev/drbd0 (uuid $U)" lab_ssh node1 bash -c \
    "cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file $KEY --uuid $U /dev/drbd0"

# --- A. running, then the I/O frozen ---------------------------------------------------------------
lab_step "A. LUKS above DRBD with a LIO target on it; DRBD I/O suspended"
lab_expect_rc "luks start (device=UUID=$U)" 0 luks node1 start device=UUID=$U
lab_expect_rc "lio start on /dev/mapper/lab-hang" 0 lio node1 start
for level in 0 10 20; do
    lab_expect_rc "luks monitor depth $level (healthy)" 0 luks node1 monitor device=UUID=$U "${MON[@]}" OCF_CHECK_LEVEL=$level
    lab_expect_rc "lio monitor depth $level (healthy)" 0 lio node1 monitor "${MON[@]}" OCF_CHECK_LEVEL=$level
done

lab_expect "node1: drbdadm suspend-io r0 (every new request to drbd0 waits)" lab_ssh node1 drbdadm suspend-io r0
lab_expect_rc "luks monitor depth 0: sysfs only, nothing to read" 0 luks node1 monitor device=UUID=$U "${MON[@]}" OCF_CHECK_LEVEL=0
answers_in_time "luks monitor depth 0"
for level in 10 20; do
    lab_expect_rc "luks monitor depth $level: the header check gets no answer" 1 \
        luks node1 monitor device=UUID=$U "${MON[@]}" OCF_CHECK_LEVEL=$level
    lab_expect_reason "luks $level: names /dev/drbd0 and the wait" '^/dev/drbd0 did not answer a read within [0-9]+\.[0-9] s: its I/O hangs, and lab-hang with it'
    answers_in_time "luks monitor depth $level"
    lab_result luks-monitor$level-hung-ms "$LAB_MS"
done
lab_expect_rc "lio monitor depth 10: no block read, the target is as configured" 0 lio node1 monitor "${MON[@]}" OCF_CHECK_LEVEL=10
lab_expect_rc "lio monitor depth 20: the block read gets no answer" 1 lio node1 monitor "${MON[@]}" OCF_CHECK_LEVEL=20
lab_expect_reason "lio 20: names the backing store and the wait" \
    '^reading a block of /dev/mapper/lab-hang failed: no answer within [0-9]+\.[0-9] s: its I/O hangs'
answers_in_time "lio monitor depth 20"
lab_result lio-monitor20-hung-ms "$LAB_MS"
lab_expect_rc "lio probe at depth 20: 1 as well (never 6, never 7)" 1 lio node1 monitor "${PROBE[@]}" OCF_CHECK_LEVEL=20
answers_in_time "lio probe"
lab_expect "no luks or lio agent process is left" no_agents
stuck=$(readers)
lab_step "node1: $stuck halo-bounded-read in D state"
lab_expect "the abandoned readers are stuck in D state (the agents were not)" [ "$stuck" -ge 1 ]

lab_expect "node1: drbdadm resume-io r0" lab_ssh node1 drbdadm resume-io r0
lab_wait_until 30 "the abandoned readers got their answer and ended" no_readers
for level in 10 20; do
    lab_expect_rc "luks monitor depth $level (resumed)" 0 luks node1 monitor device=UUID=$U "${MON[@]}" OCF_CHECK_LEVEL=$level
done
lab_expect_rc "lio monitor depth 20 (resumed)" 0 lio node1 monitor "${MON[@]}" OCF_CHECK_LEVEL=20
lab_expect_rc "lio stop" 0 lio node1 stop
lab_expect_rc "luks stop" 0 luks node1 stop device=UUID=$U

# --- B. closed, the I/O frozen: start ---------------------------------------------------------------
lab_step "B. nothing open on drbd0; DRBD I/O suspended; luks start"
START=(CRM_meta_timeout=20000)
lab_expect "node1: drbdadm suspend-io r0" lab_ssh node1 drbdadm suspend-io r0
lab_expect_rc "luks start by UUID: the scan of every block device skips the one that does not answer" 1 \
    luks node1 start device=UUID=$U "${START[@]}"
lab_expect_reason "start by UUID: names /dev/drbd0" \
    "^LUKS UUID=$U not found; /dev/drbd0 did not answer a read within [0-9]+\.[0-9] s: its I/O hangs"
answers_in_time "luks start by UUID" 20000
lab_result luks-start-uuid-hung-ms "$LAB_MS"
lab_expect_rc "luks start by path: the device is read before libcryptsetup reads it" 1 \
    luks node1 start device=/dev/drbd0 "${START[@]}"
lab_expect_reason "start by path: names /dev/drbd0, opens nothing" \
    '^/dev/drbd0 did not answer a read within [0-9]+\.[0-9] s: its I/O hangs; not opened'
answers_in_time "luks start by path" 20000
lab_expect "nothing was opened" lab_sh node1 '! dmsetup info lab-hang >/dev/null 2>&1'
lab_expect "no luks agent process is left" no_agents
lab_expect "node1: drbdadm resume-io r0" lab_ssh node1 drbdadm resume-io r0
lab_wait_until 30 "the abandoned readers ended" no_readers
lab_expect_rc "luks start by UUID (resumed)" 0 luks node1 start device=UUID=$U
lab_expect_rc "luks stop" 0 luks node1 stop device=UUID=$U
