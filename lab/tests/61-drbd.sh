#!/bin/bash
# lab/tests/61-drbd.sh — ocf:halo:drbd against real DRBD 8.4 between node1 and node2 (r0 on
# /dev/vdb over the replication link), run by hand with the clone meta attributes Pacemaker
# would pass: start on both (connected), initial sync skipped, promote node1 → monitor 8;
# node2's promote refused while node1 is Primary (reason, back-off); demote/stop idempotent; a
# promote refused on Outdated data (reason names it); monitor 9 when the Primary loses its disk
# (detach); a split brain leaves both StandAlone → 191 (Primary) / 190 (Secondary) with a
# reason; the real ocf-tester (promotable) and halo-conformance pass. What the agent reads over
# netlink is compared with drbdsetup's events2 lines on both nodes (Primary/Secondary); the role
# change it asks over netlink (promote, demote: no drbdadm) is refused with drbdadm's exit status
# and words (`halo-agent drbd-role`: the peer Primary; the device held open); the connection
# dropped and configured again over netlink (`halo-agent drbd-reconnect`, no drbdadm). DRBD's
# usermode helper set to halo-drbd-helper: the kernel's split-brain call handed on to drbdadm,
# halo's own fence-peer handler answered in its process.
# Peer fencing through Pacemaker (drbd-fence-peer / drbd-unfence-peer) is 64-drbd-fence.
# Leaves both nodes without DRBD configured.
# lab-backends: uml qemu
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
lab_halo_installed "${LAB_NODES[@]}"

META=(CRM_meta_clone_max=2 CRM_meta_clone_node_max=1 CRM_meta_promoted_max=1 CRM_meta_promoted_node_max=1
      CRM_meta_notify=true CRM_meta_promotable=true CRM_meta_globally_unique=false)
declare -A INSTANCE=([node1]=lab-drbd:0 [node2]=lab-drbd:1)
# drbd VM ACTION [NAME=VALUE...] — the agent on VM with resource=r0 and the clone's meta attributes.
drbd() {
    local vm=$1 action=$2; shift 2
    lab_agent "$vm" drbd "$action" OCF_RESOURCE_INSTANCE="${INSTANCE[$vm]}" resource=r0 promote_backoff=2s "${META[@]}" "$@"
}
cstate() { lab_ssh "$1" drbdadm cstate r0 2>/dev/null; }
# no_role_fallback — the agent's last action ($LAB_OUT) changed the role over netlink: its
# log has no "running drbdadm" fallback notice (printed when it does).
no_role_fallback() {
    if grep -q "running drbdadm" <<<"$LAB_OUT"; then grep "running drbdadm" <<<"$LAB_OUT" | sed 's/^/    | /'; return 1; fi
}

# same_refusal VM ROLE — the role change the agent asks over netlink (`halo-agent drbd-role
# ROLE r0`) and `drbdadm ROLE r0` are both refused, with the same exit status and the same line
# (drbdsetup-84's "0: State change failed: (-1) …"). Neither changes anything: both are refused.
same_refusal() {
    local halo drbd
    halo=$(lab_sh "$1" "/usr/lib/halo/halo-agent drbd-role $2 r0 >/tmp/lab-role.txt 2>&1; rc=\$?; head -n 1 /tmp/lab-role.txt; echo \"exit \$rc\"")
    drbd=$(lab_sh "$1" "drbdadm $2 r0 >/tmp/lab-role.txt 2>&1; rc=\$?; head -n 1 /tmp/lab-role.txt; echo \"exit \$rc\"")
    printf '    | halo-agent drbd-role: %s\n    | drbdadm:              %s\n' "${halo//$'\n'/ — }" "${drbd//$'\n'/ — }"
    [ "$halo" = "$drbd" ] && [[ $halo != *"exit 0" ]]
}

# same_as_drbdsetup VM — what the agent reads over netlink (`halo-agent drbd-state r0`, the
# events2 lines it decodes) is what `drbdsetup events2 --now --statistics r0` prints now: the
# same objects, and every field halo prints has drbdsetup's value.
same_as_drbdsetup() {
    local halo drbdsetup
    halo=$(lab_ssh "$1" /usr/lib/halo/halo-agent drbd-state r0) || return 1
    drbdsetup=$(lab_ssh "$1" drbdsetup events2 --now --statistics r0) || return 1
    /usr/bin/python3 - "$halo" "$drbdsetup" <<'PY'
import sys
mine, theirs = ([line.split() for line in text.strip().splitlines()] for text in sys.argv[1:3])
fields = lambda words: dict(word.split(":", 1) for word in words[2:])
same = len(mine) == len(theirs) > 1 and all(
    a[:2] == b[:2] and all(fields(b).get(key) == value for key, value in fields(a).items()) for a, b in zip(mine, theirs))
if not same:
    print("halo-agent drbd-state r0:\n" + sys.argv[1] + "\ndrbdsetup events2 --now --statistics r0:\n" + sys.argv[2])
sys.exit(0 if same else 1)
PY
}
dstate() { lab_ssh "$1" drbdadm dstate r0 2>/dev/null; }

cleanup() {
    local vm
    for vm in "${LAB_NODES[@]}"; do
        lab_sh "$vm" "$LAB_DRBD_R0_FORGET"'
                      rm -rf /run/resource-agents/lab-drbd* /tmp/ocft.txt /tmp/conf.txt /etc/drbd.d/h9.res
                      [ -w /sys/module/drbd/parameters/usermode_helper ] && printf %s /sbin/drbdadm >/sys/module/drbd/parameters/usermode_helper' >/dev/null 2>&1 || true
    done
    rm -f "$res"
}
res=$(mktemp)
cleanup; trap cleanup EXIT
lab_drbd_res r0 /dev/vdb >"$res"
for vm in "${LAB_NODES[@]}"; do
    lab_copy "$vm" "$res" /etc/drbd.d/r0.res
    lab_expect "$vm: drbdadm create-md r0 (/dev/vdb)" lab_sh "$vm" 'drbdadm create-md --force r0 >/dev/null 2>&1'
done

lab_expect_rc "node1: probe before start" 7 drbd node1 monitor
lab_expect_rc "node1: start without clone meta attributes is refused" 6 \
    lab_agent node1 drbd start OCF_RESOURCE_INSTANCE=lab-drbd resource=r0
lab_expect_reason "the reason says it must be a promotable clone" "promotable clone"

t0=$(lab_now_ms)
drbd node1 start >/tmp/lab-drbd-start1.$$ 2>&1 & p1=$!
drbd node2 start >/tmp/lab-drbd-start2.$$ 2>&1 & p2=$!
rc1=0 rc2=0; wait $p1 || rc1=$?; wait $p2 || rc2=$?
cat /tmp/lab-drbd-start1.$$ /tmp/lab-drbd-start2.$$ | sed 's/^/    | /'; rm -f /tmp/lab-drbd-start?.$$
lab_expect "start on node1 and node2 in parallel → 0 and 0 (got $rc1, $rc2)" [ "$rc1$rc2" = 00 ]
lab_result start-both-ms $(( $(lab_now_ms) - t0 ))
lab_expect "Connected right after start (start waits for the peer)" [ "$(cstate node1)" = Connected ]
lab_expect_rc "node1: start again (idempotent)" 0 drbd node1 start
lab_expect_rc "node1: monitor, Secondary Inconsistent (fresh disks)" 0 drbd node1 monitor
lab_expect_rc "node1: promote refused on fresh Inconsistent disks" 1 drbd node1 promote
lab_expect_reason "the reason names the disk state" "Inconsistent"
lab_expect "the refusal waited for promote_backoff (2 s; took $LAB_MS ms)" [ "$LAB_MS" -ge 2000 ]

lab_expect "node1: skip the initial sync (drbdadm -- --clear-bitmap new-current-uuid r0)" \
    lab_ssh node1 drbdadm -- --clear-bitmap new-current-uuid r0
lab_wait_until 30 "UpToDate/UpToDate" lab_sh node1 '[ "$(drbdadm dstate r0)" = UpToDate/UpToDate ]'
lab_expect_rc "node1: monitor Secondary" 0 drbd node1 monitor
lab_result monitor-secondary-ms "$LAB_MS"
lab_expect_rc "node1: monitor depth 10 Secondary, Connected, UpToDate" 0 drbd node1 monitor OCF_CHECK_LEVEL=10
lab_expect_rc "node1: promote" 0 drbd node1 promote
lab_result promote-ms "$LAB_MS"
lab_expect "the promote asked the kernel over netlink (no drbdadm fallback in its log)" \
    no_role_fallback
lab_expect "node1 Primary, node2 Secondary" [ "$(lab_ssh node1 drbdadm role r0)" = Primary/Secondary ]
lab_expect_rc "node1: monitor (running promoted)" 8 drbd node1 monitor
lab_result monitor-primary-ms "$LAB_MS"
lab_expect_rc "node1: monitor depth 20 (reads a block through /dev/drbd0)" 8 drbd node1 monitor OCF_CHECK_LEVEL=20
for vm in "${LAB_NODES[@]}"; do
    lab_expect "$vm: DRBD's state over netlink (halo-agent drbd-state) is what drbdsetup events2 prints" same_as_drbdsetup "$vm"
done
lab_expect_rc "node1: promote again (idempotent)" 0 drbd node1 promote
lab_expect_rc "node2: monitor" 0 drbd node2 monitor
lab_expect_rc "node2: promote while node1 is Primary is refused" 1 drbd node2 promote
lab_expect_reason "the reason says the peer is Primary" "[Pp]rimary"
lab_expect "the refusal waited for promote_backoff (2 s; took $LAB_MS ms)" [ "$LAB_MS" -ge 2000 ]
lab_expect "node2 is still Secondary" [ "$(lab_ssh node2 drbdadm role r0)" = Secondary/Primary ]
lab_expect "node2: the role change over netlink (halo-agent drbd-role primary) is refused as drbdadm's" \
    same_refusal node2 primary
lab_expect "node2 is still Secondary" [ "$(lab_ssh node2 drbdadm role r0)" = Secondary/Primary ]
lab_sh node1 'sleep 30 </dev/drbd0 >/dev/null 2>&1 & echo $! >/tmp/lab-holder.pid'
lab_expect "node1 (Primary, /dev/drbd0 held open): halo-agent drbd-role secondary is refused as drbdadm's" \
    same_refusal node1 secondary
lab_sh node1 'kill $(cat /tmp/lab-holder.pid); rm -f /tmp/lab-holder.pid; sleep 0.5'
lab_expect "node1 is still Primary" [ "$(lab_ssh node1 drbdadm role r0)" = Primary/Secondary ]

sum=$(lab_sh node1 'head -c 1048576 /dev/urandom >/tmp/blk && dd if=/tmp/blk of=/dev/drbd0 bs=1M oflag=direct status=none && md5sum </tmp/blk && rm /tmp/blk')

lab_expect_rc "node1: demote" 0 drbd node1 demote
lab_expect "the demote asked the kernel over netlink (no drbdadm fallback in its log)" \
    no_role_fallback
lab_expect_rc "node1: demote again (idempotent)" 0 drbd node1 demote
# The same role changes with drbdadm out of reach (PATH without it): they need no drbdadm at all.
lab_expect_rc "node1: promote without drbdadm on PATH" 0 drbd node1 promote PATH=/usr/lib/halo
lab_expect_rc "node1: demote without drbdadm on PATH" 0 drbd node1 demote PATH=/usr/lib/halo
lab_expect_rc "node1: monitor after demote" 0 drbd node1 monitor
lab_expect_rc "node2: promote (node1 Secondary now)" 0 drbd node2 promote
lab_expect "node2 reads the block node1 wrote" \
    [ "$(lab_sh node2 'dd if=/dev/drbd0 bs=1M count=1 iflag=direct status=none | md5sum')" = "$sum" ]
# What the agent does under halod to a connection whose peer halod fenced (disconnect --force,
# then connect with the settings read back from the kernel), without drbdadm: the peers must
# meet again, which they do only if the connect carried the shared secret and the endpoints.
since=$(lab_ssh node2 date +%s)
# timed_in VM COMMAND — runs COMMAND on VM; prints the milliseconds it took there, nothing on failure.
timed_in() { lab_sh "$1" "t0=\$(date +%s%N); $2 >&2 && echo \$(( (\$(date +%s%N) - t0) / 1000000 ))"; }
ms=$(timed_in node2 'PATH=/usr/lib/halo halo-agent drbd-reconnect r0') || ms=""
lab_expect "node2 (Primary): halo-agent drbd-reconnect r0 without drbdadm on PATH → 0 (${ms:-?} ms on node2)" [ -n "$ms" ]
lab_wait_until 30 "node2: r0 Connected again, the peer authenticated with the replayed shared secret" \
    lab_sh node2 "[ \"\$(drbdadm cstate r0)\" = Connected ] && journalctl -k --since @$since | grep -q 'r0: Peer authenticated'"
lab_expect "node2 is still Primary, node1 Secondary" [ "$(lab_ssh node2 drbdadm role r0)" = Primary/Secondary ]
# The same with drbdadm, as the agent did before (and still does where netlink falls back):
# its time beside the line above, for comparison.
ms=$(timed_in node2 'drbdadm disconnect --force r0 && drbdadm connect r0') || ms=""
lab_expect "node2: drbdadm disconnect --force r0; drbdadm connect r0 (what it replaces) → 0 (${ms:-?} ms on node2)" [ -n "$ms" ]
lab_wait_until 30 "node2: r0 Connected again" lab_sh node2 '[ "$(drbdadm cstate r0)" = Connected ]'
lab_expect_rc "node2: demote" 0 drbd node2 demote
lab_expect_rc "node2: stop" 0 drbd node2 stop
lab_expect_rc "node2: stop again (idempotent)" 0 drbd node2 stop
lab_expect_rc "node2: monitor after stop" 7 drbd node2 monitor
lab_expect_rc "node2: start (for a stop with an invalid parameter)" 0 drbd node2 start
lab_expect_rc "node2: stop with promote_backoff=bogus still takes r0 down" 0 drbd node2 stop promote_backoff=bogus
lab_expect "node2: r0 is down" lab_sh node2 '! drbdsetup status r0 >/dev/null 2>&1'

# A promote refused without UpToDate data: node2 disconnected and Outdated.
lab_expect_rc "node2: start again" 0 drbd node2 start
lab_wait_until 30 "Connected UpToDate/UpToDate" lab_sh node1 '[ "$(drbdadm cstate r0) $(drbdadm dstate r0)" = "Connected UpToDate/UpToDate" ]'
lab_expect "node2: disconnect, then outdate its data" lab_sh node2 'drbdadm disconnect r0 && drbdadm outdate r0'
lab_expect "node2 is Outdated" [ "$(dstate node2)" = Outdated/DUnknown ]
lab_expect_rc "node2: promote refused on Outdated data" 1 drbd node2 promote
lab_expect_reason "the reason names Outdated" "Outdated"
lab_expect_rc "node2: monitor depth 10 says why it is degraded" 190 drbd node2 monitor OCF_CHECK_LEVEL=10
lab_expect_reason "not connected, Outdated" "StandAlone|not connected.*Outdated|Outdated"
lab_expect "node2: connect again" lab_ssh node2 drbdadm connect r0
lab_wait_until 30 "node2 UpToDate again" lab_sh node2 '[ "$(drbdadm dstate r0)" = UpToDate/UpToDate ]'

# Monitor 9: the Primary loses its disk.
lab_expect_rc "node1: promote" 0 drbd node1 promote
lab_expect "node1: drbdadm detach r0 (the Primary's disk goes away)" lab_ssh node1 drbdadm detach r0
lab_expect_rc "node1: monitor (failed promoted)" 9 drbd node1 monitor
lab_expect_reason "the reason says the Primary has no local disk" "[Dd]iskless|without its local disk"
lab_expect "node1: attach again" lab_sh node1 "drbdadm attach r0 2>/dev/null"
lab_wait_until 30 "node1 UpToDate again" lab_sh node1 '[ "$(drbdadm dstate r0)" = UpToDate/UpToDate ]'
lab_expect_rc "node1: monitor" 8 drbd node1 monitor

# From here DRBD's usermode helper is halo's (docs/drbd.md, "halo-drbd-helper"): r0 has no
# handlers, so the kernel's calls during the split brain go on to drbdadm.
for vm in "${LAB_NODES[@]}"; do
    lab_expect "$vm: DRBD's usermode helper set to /usr/lib/halo/halo-drbd-helper" \
        lab_sh "$vm" 'printf %s /usr/lib/halo/halo-drbd-helper >/sys/module/drbd/parameters/usermode_helper'
done

# Split brain: both Primary while disconnected, each writes, then they meet again.
lab_expect "disconnect both sides" lab_sh node1 'drbdadm disconnect r0'
lab_ssh node2 drbdadm disconnect r0
lab_expect "node2: Primary too (by hand) and both write" lab_sh node2 'drbdadm primary r0 && dd if=/dev/urandom of=/dev/drbd0 bs=64k count=4 oflag=direct status=none'
lab_sh node1 'dd if=/dev/urandom of=/dev/drbd0 bs=64k count=4 oflag=direct status=none'
lab_ssh node2 drbdadm connect r0
lab_ssh node1 drbdadm connect r0
lab_wait_until 30 "split brain detected: both StandAlone" \
    lab_sh node1 '[ "$(drbdadm cstate r0)" = StandAlone ] && dmesg | grep -q "Split-Brain detected"'
lab_wait_until 30 "node2 StandAlone" lab_sh node2 '[ "$(drbdadm cstate r0)" = StandAlone ]'
lab_expect "node1: the kernel ran halo-drbd-helper for the split brain, which handed it to drbdadm (exit 0)" \
    lab_sh node1 'dmesg | grep -q "helper command: /usr/lib/halo/halo-drbd-helper split-brain minor-0 exit code 0"'
lab_expect_rc "node1 (Primary, StandAlone): monitor (degraded, promoted)" 191 drbd node1 monitor
lab_expect_reason "the reason says StandAlone and split brain" "StandAlone.*split brain"
lab_expect "node2: demote by hand" lab_ssh node2 drbdadm secondary r0
lab_expect_rc "node2 (Secondary, StandAlone): monitor (degraded)" 190 drbd node2 monitor
lab_expect "resolve: node2 discards its data, node1 connects" \
    lab_sh node2 'drbdadm connect --discard-my-data r0'
lab_ssh node1 drbdadm connect r0
lab_wait_until 60 "resolved: Connected UpToDate/UpToDate" \
    lab_sh node1 '[ "$(drbdadm cstate r0) $(drbdadm dstate r0)" = "Connected UpToDate/UpToDate" ]'
lab_expect_rc "node1: monitor" 8 drbd node1 monitor
lab_expect_rc "node1: demote" 0 drbd node1 demote
lab_expect_rc "node1: stop" 0 drbd node1 stop

# The real ocf-tester (promotable) and the conformance runner on node1, node2 connected.
ocft_meta=""
for kv in "${META[@]}"; do ocft_meta+=" -o $kv"; done
lab_expect "ocf-tester (promotable: $ocft_meta) passes" lab_sh node1 \
    "ocf-tester -n lab-drbd:0 -o resource=r0 -o promote_backoff=2s $ocft_meta /usr/lib/ocf/resource.d/halo/drbd >/tmp/ocft.txt 2>&1 || { cat /tmp/ocft.txt; exit 1; }"
lab_sh node1 'grep -v "^\*" /tmp/ocft.txt | sed "s/^/    | /"'
conf_meta=""
for kv in "${META[@]}"; do conf_meta+=" -e OCF_RESKEY_$kv"; done
lab_expect "halo-conformance (-e for the meta attributes) passes" lab_sh node1 \
    "/usr/lib/halo/halo-conformance -n lab-drbd:0 -o resource=r0 -o promote_backoff=2s $conf_meta /usr/lib/ocf/resource.d/halo/drbd >/tmp/conf.txt 2>&1 && tail -n 1 /tmp/conf.txt || { grep -v '^PASS' /tmp/conf.txt; exit 1; }"
lab_expect "node1: r0 down after them" lab_sh node1 '! drbdsetup status r0 >/dev/null 2>&1'

# halo-drbd-helper answers halo's own handler in its process: h9 (configured with halo's
# handlers, never up) read from Debian's /etc/drbd.conf layout; the handler refuses, since h9 has
# no UpToDate data here, and says so under its own name — no drbdadm, no sh before it.
lab_drbd_res h9 /dev/vdc 7799 9 "/usr/lib/halo/halo-agent drbd-fence-peer" "/usr/lib/halo/halo-agent drbd-unfence-peer" >"$res"
lab_copy node1 "$res" /etc/drbd.d/h9.res
lab_expect "node1: halo-drbd-helper fence-peer h9 (the kernel's environment) → 1, refused by halo's handler" lab_sh node1 '
    since=$(( $(date +%s) - 1 ))
    rc=0; env -i HOME=/ TERM=linux PATH=/sbin:/usr/sbin:/bin:/usr/bin /usr/lib/halo/halo-drbd-helper fence-peer h9 2>/dev/null || rc=$?
    rm -f /etc/drbd.d/h9.res
    [ "$rc" = 1 ] &&
    journalctl -q --no-pager --since "@$since" SYSLOG_IDENTIFIER=halo-drbd-fence-peer -o cat | grep -q h9 &&
    ! journalctl -q --no-pager --since "@$since" SYSLOG_IDENTIFIER=halo-drbd-helper -o cat | grep -q h9'
# Side by side, as DRBD would start each (the kernel's environment): the same handler and the
# same answer through halo's helper and through drbdadm (→ drbdadm-84 → sh → halo-agent).
lab_copy node1 "$res" /etc/drbd.d/h9.res
for helper in /usr/lib/halo/halo-drbd-helper /sbin/drbdadm; do
    times=()
    for _ in 1 2 3; do
        ms=$(lab_sh node1 "t0=\$(date +%s%N); env -i HOME=/ TERM=linux PATH=/sbin:/usr/sbin:/bin:/usr/bin $helper fence-peer h9 >/dev/null 2>&1
                            rc=\$?; [ \$rc = 1 ] && echo \$(( (\$(date +%s%N) - t0) / 1000000 ))") || ms=""
        [ -n "$ms" ] && times+=("$ms")
    done
    lab_expect "node1: $helper fence-peer h9 → 1 three times (${times[*]:-?} ms)" [ "${#times[@]}" = 3 ]
    lab_result "fence-peer-via-${helper##*/}-ms" "$(printf '%s\n' "${times[@]}" | sort -n | sed -n 2p)"
done
lab_sh node1 'rm -f /etc/drbd.d/h9.res'
lab_expect_rc "node2: stop" 0 drbd node2 stop
