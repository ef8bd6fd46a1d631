#!/bin/bash
# lab/capture.sh — `lab/lab capture [--into-repo] [DIR]`: record real outputs of DRBD 8.4,
# dm-crypt and LIO in the lab's guests, in the fixture format of shared/reference/captures
# (a `# command:` header with the exact command, state, host, exit status and time above each
# output; stderr in a `.stderr.txt` twin), for the unit tests' fixture folders.
#
#   DIR           where the sets go (DIR/drbd-8.4, DIR/dm-crypt-6.1, DIR/lio-6.1); default: a new
#                 scratch directory under /tmp
#   --into-repo   then merge them into Tests/Fixtures/<set>/: files that do not exist there are
#                 added; an existing file is never overwritten — the report says whether the new
#                 capture is identical to it (but for the capture time), the same but for numbers
#                 (counters, timestamps, sizes), or different (then the new one stays in DIR)
#
# Uses the running lab (and leaves it up), or boots one and tears it down afterwards. Installs
# halo into the storage nodes first (lab/tests/55-halo.sh: HALO_INSTALL_DIR, or a build), because
# the dm-crypt mapping and the LIO target are made by halo's own agents (what halo meets in the field).
#
# States (named as in the existing sets): DRBD — module-not-loaded, unconfigured,
# connected-inconsistent, secsec-uptodate, prisec-uptodate (node2: peer Primary),
# resync-syncsource/-synctarget, wfconnection-primary / down-after-connected, standalone-primary /
# wfconnection-secondary, outdated-wfconnection, sb-standalone-primary, sb-resolved,
# diskless-secondary / peer-diskless, diskless-primary / peer-diskless-secondary,
# standalone-inconsistent, secsec-uptodate-final; the refused promotes (peer Primary 11, Outdated
# 17, Inconsistent 17) and the refused demote (held open 11); events2 recordings of promote,
# split-brain and detach-primary. dm-crypt — luks-open, dm-suspended, dm-resumed (a LUKS2 volume
# halo's luks agent opened). LIO — lio-empty, lio-halo-configured, lio-halo-stopped (a target
# halo's lio agent made, with an ACL).
set -uo pipefail
source "$(dirname "$(readlink -f "$0")")/lib.sh"

into_repo=0 out=""
while [ $# -gt 0 ]; do
    case $1 in
        --into-repo) into_repo=1 ;;
        -*) echo "usage: lab/lab capture [--into-repo] [DIR]" >&2; exit 2 ;;
        *) out=$1 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || lab_die "the lab needs root"
[ -n "$out" ] || out=$(mktemp -d /tmp/halo-captures.XXXXXX)
mkdir -p "$out"
out=$(cd "$out" && pwd)
DRBD=$out/drbd-8.4 DM=$out/dm-crypt-6.1 LIO=$out/lio-6.1
mkdir -p "$DRBD" "$DM" "$LIO"

started_lab=0
finish() {
    local rc=$?
    trap - EXIT
    cleanup_guests
    [ "$started_lab" = 1 ] && "$LAB_DIR/lab" down
    exit "$rc"
}
cleanup_guests() {
    local vm
    lab_is_up || return 0
    for vm in "${LAB_NODES[@]}"; do
        lab_sh "$vm" '[ -e /tmp/cap-holder.pid ] && kill $(cat /tmp/cap-holder.pid) 2>/dev/null
            OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=cap-lio OCF_RESKEY_iqn=iqn.2026-11.lab.test:node1.drbd0 \
              OCF_RESKEY_device_name=drbd0 OCF_RESKEY_backing=/dev/drbd0 /usr/lib/ocf/resource.d/halo/lio stop
            OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=cap-luks OCF_RESKEY_device=/dev/vdc OCF_RESKEY_name=cr0 \
              OCF_RESKEY_key=/root/cap.key /usr/lib/ocf/resource.d/halo/luks stop
            dmsetup resume cr0; dmsetup remove cr0
            '"$LAB_DRBD_R0_FORGET"'
            wipefs -q -a -f /dev/vdc; rm -f /root/cap.key /tmp/cap-*; true' >/dev/null 2>&1 || true
    done
}
trap finish EXIT

if ! lab_is_up; then
    "$LAB_DIR/lab" up || lab_die "cannot bring the lab up"
    started_lab=1
fi
LAB_TEST_NAME=capture bash "$LAB_DIR/tests/55-halo.sh" || lab_die "installing halo into the guests failed"
cleanup_guests

# cap SET TOOL STATE VM COMMAND — one capture (lab_capture), and a progress line.
cap() {
    local rc
    lab_capture "$@" && rc=0 || rc=$?
    printf '  %-44s %s  exit %s\n' "$2-$3" "$4" "$rc"
}
# snap STATE VM... — the DRBD snapshot set of one state on each node: the kernel's netlink
# messages as ocf:halo:drbd reads them (`halo-agent drbd-state --capture`), events2 --now (its
# fallback), with --statistics (the netlink capture's comparison, taken right after it),
# drbdsetup status, /proc/drbd. (drbdadm's dstate/cstate/role/status of the same states are in
# shared/reference/captures.)
snap() {
    local state=$1 vm; shift
    for vm in "$@"; do
        cap "$DRBD" halo-drbd-netlink "$state" "$vm" '/usr/lib/halo/halo-agent drbd-state --capture'
        cap "$DRBD" drbdsetup-events2-now-statistics-all "$state" "$vm" 'drbdsetup events2 --now --statistics all'
        cap "$DRBD" drbdsetup-events2-now "$state" "$vm" 'drbdsetup events2 --now r0'
        cap "$DRBD" drbdsetup-events2-now-statistics "$state" "$vm" 'drbdsetup events2 --now --statistics r0'
        cap "$DRBD" drbdsetup-status-verbose-statistics "$state" "$vm" 'drbdsetup status r0 --verbose --statistics'
        cap "$DRBD" proc-drbd "$state" "$vm" 'cat /proc/drbd'
    done
}
# record TRANSITION SECONDS VM... — start events2 recorders (in the background) on the nodes.
recorders=()
record() {
    local transition=$1 seconds=$2 vm; shift 2
    for vm in "$@"; do
        lab_capture "$DRBD" drbdsetup-events2 "$transition" "$vm" "timeout $seconds drbdsetup events2 r0" &
        recorders+=($!)
    done
    sleep 1
}
recorded() { local pid; for pid in "${recorders[@]}"; do wait "$pid"; done; recorders=(); }
wait_for() { lab_wait_until "$@" >/dev/null || lab_die "capture: timed out waiting for: $2"; }
both() { lab_ssh node1 "$@" & lab_ssh node2 "$@"; wait; }

t0=$(lab_now_ms)
lab_say "capturing DRBD 8.4 into $DRBD"
for vm in "${LAB_NODES[@]}"; do lab_sh "$vm" 'rmmod drbd 2>/dev/null; true'; done
cap "$DRBD" proc-drbd module-not-loaded node1 'cat /proc/drbd'
for vm in "${LAB_NODES[@]}"; do lab_ssh "$vm" modprobe drbd; done
snap unconfigured node1 node2
res=$(mktemp)
lab_drbd_res r0 /dev/vdb >"$res"
for vm in "${LAB_NODES[@]}"; do
    lab_copy "$vm" "$res" /etc/drbd.d/r0.res
    lab_sh "$vm" 'wipefs -q -a -f /dev/vdb; drbdadm create-md --force r0 >/dev/null 2>&1'
done
rm -f "$res"
both drbdadm up r0
wait_for 60 "Connected" lab_sh node1 '[ "$(drbdadm cstate r0)" = Connected ]'
snap connected-inconsistent node1 node2
cap "$DRBD" drbdadm-primary promote-refused-inconsistent node2 'drbdadm primary r0'
lab_ssh node1 drbdadm -- --clear-bitmap new-current-uuid r0
wait_for 30 "UpToDate/UpToDate" lab_sh node1 '[ "$(drbdadm dstate r0)" = UpToDate/UpToDate ]'
snap secsec-uptodate node1 node2
record promote 10 node1 node2
# The promote as ocf:halo:drbd asks it (over netlink, no drbdadm): the kernel's reply.
cap "$DRBD" halo-drbd-role promote-done node1 '/usr/lib/halo/halo-agent drbd-role --capture primary r0'
recorded
lab_sh node1 'dd if=/dev/urandom of=/dev/drbd0 bs=1M count=1 oflag=direct status=none'
snap prisec-uptodate node1 node2
cap "$DRBD" drbdadm-primary promote-refused-peer-primary node2 'drbdadm primary r0'
cap "$DRBD" halo-drbd-role promote-refused-peer-primary node2 '/usr/lib/halo/halo-agent drbd-role --capture primary r0'
# The connection dropped and configured again as ocf:halo:drbd does under halod after a crash
# (status, disconnect --force, connect: the replies; the shared secret shown as *).
cap "$DRBD" halo-drbd-reconnect connected-primary node1 '/usr/lib/halo/halo-agent drbd-reconnect --capture r0'
wait_for 30 "Connected again" lab_sh node1 '[ "$(drbdadm cstate r0)" = Connected ]'

# Resync, slowed down so that it can be seen, then finished at full speed.
both drbdadm disk-options --c-plan-ahead=0 --resync-rate=1M r0
lab_ssh node1 drbdadm invalidate-remote r0
wait_for 30 "SyncSource" lab_sh node1 '[ "$(drbdadm cstate r0)" = SyncSource ]'
sleep 2
snap resync-syncsource node1
snap resync-synctarget node2
both drbdadm disk-options --c-plan-ahead=0 --resync-rate=100M r0
wait_for 300 "resync done" lab_sh node1 '[ "$(drbdadm cstate r0) $(drbdadm dstate r0)" = "Connected UpToDate/UpToDate" ]'

# The peer goes down; then node1 disconnects by hand and node2 is outdated.
lab_ssh node2 drbdadm down r0
wait_for 30 "WFConnection" lab_sh node1 '[ "$(drbdadm cstate r0)" = WFConnection ]'
snap wfconnection-primary node1
snap down-after-connected node2
lab_ssh node2 drbdadm up r0
wait_for 60 "reconnected" lab_sh node1 '[ "$(drbdadm cstate r0) $(drbdadm dstate r0)" = "Connected UpToDate/UpToDate" ]'
lab_ssh node1 drbdadm disconnect r0
wait_for 30 "node2 WFConnection" lab_sh node2 '[ "$(drbdadm cstate r0)" = WFConnection ]'
snap standalone-primary node1
snap wfconnection-secondary node2
lab_ssh node2 drbdadm outdate r0
snap outdated-wfconnection node2
cap "$DRBD" drbdadm-primary promote-refused-outdated node2 'drbdadm primary r0'

# Split brain: node2 forced Primary while apart, both write, they meet again.
lab_ssh node2 drbdadm primary --force r0
lab_sh node2 'dd if=/dev/urandom of=/dev/drbd0 bs=1M count=1 oflag=direct status=none'
lab_sh node1 'dd if=/dev/urandom of=/dev/drbd0 bs=1M count=1 seek=8 oflag=direct status=none'
record split-brain 10 node1 node2
lab_ssh node1 drbdadm connect r0
recorded
wait_for 30 "both StandAlone" lab_sh node2 '[ "$(drbdadm cstate r0)" = StandAlone ] && [ "$(drbdadm role r0)" = Primary/Unknown ]'
snap sb-standalone-primary node1 node2
lab_ssh node2 drbdadm secondary r0
lab_ssh node2 drbdadm connect --discard-my-data r0
lab_ssh node1 drbdadm connect r0
wait_for 120 "resolved" lab_sh node1 '[ "$(drbdadm cstate r0) $(drbdadm dstate r0)" = "Connected UpToDate/UpToDate" ]'
snap sb-resolved node1 node2

# Diskless: the Secondary detaches, then the Primary.
lab_ssh node2 drbdadm detach r0
snap diskless-secondary node2
snap peer-diskless node1
lab_sh node2 'drbdadm attach r0 2>/dev/null'
wait_for 60 "node2 UpToDate" lab_sh node1 '[ "$(drbdadm dstate r0)" = UpToDate/UpToDate ]'
record detach-primary 10 node1 node2
lab_ssh node1 drbdadm detach r0
recorded
snap diskless-primary node1
snap peer-diskless-secondary node2
lab_sh node1 'drbdadm attach r0 2>/dev/null'
wait_for 60 "node1 UpToDate" lab_sh node1 '[ "$(drbdadm dstate r0)" = UpToDate/UpToDate ]'

# Demote refused while the device is held open, then both Secondary and an interrupted resync.
lab_sh node1 'setsid sleep 600 </dev/drbd0 >/dev/null 2>&1 & echo $! >/tmp/cap-holder.pid'
cap "$DRBD" drbdadm-secondary demote-refused-held-open node1 'drbdadm secondary r0'
cap "$DRBD" halo-drbd-role demote-refused-held-open node1 '/usr/lib/halo/halo-agent drbd-role --capture secondary r0'
lab_sh node1 'kill $(cat /tmp/cap-holder.pid); rm /tmp/cap-holder.pid; sleep 0.5'
lab_ssh node1 drbdadm secondary r0
both drbdadm disk-options --c-plan-ahead=0 --resync-rate=1M r0
lab_ssh node2 drbdadm invalidate r0
wait_for 30 "SyncTarget" lab_sh node2 '[ "$(drbdadm cstate r0)" = SyncTarget ]'
sleep 2
lab_ssh node2 drbdadm disconnect r0
snap standalone-inconsistent node2
snap wfconnection-secondary-oos node1
cap "$DRBD" drbdadm-primary promote-refused-inconsistent node2 'drbdadm primary r0'
both drbdadm disk-options --c-plan-ahead=0 --resync-rate=100M r0
lab_ssh node2 drbdadm connect r0
wait_for 300 "resync done" lab_sh node1 '[ "$(drbdadm cstate r0) $(drbdadm dstate r0)" = "Connected UpToDate/UpToDate" ]'
snap secsec-uptodate-final node1 node2
both drbdadm down r0
both drbdadm -- --force wipe-md r0
both rm -f /etc/drbd.d/r0.res
lab_result drbd-capture-ms $(( $(lab_now_ms) - t0 ))

# --- dm-crypt: a LUKS2 volume opened by halo's luks agent ------------------------------------------
t0=$(lab_now_ms)
lab_say "capturing dm-crypt into $DM"
LUKS="OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=cap-luks OCF_RESKEY_device=/dev/vdc OCF_RESKEY_name=cr0 OCF_RESKEY_key=/root/cap.key"
lab_sh node1 "umask 077; head -c 32 /dev/urandom >/root/cap.key && chmod 0400 /root/cap.key &&
    cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file /root/cap.key /dev/vdc &&
    $LUKS /usr/lib/ocf/resource.d/halo/luks start" >/dev/null 2>&1 || lab_die "capture: the luks agent did not open cr0"
dmsnap() {
    local state=$1
    cap "$DM" cryptsetup-status "$state" node1 'cryptsetup status cr0'
    cap "$DM" dmsetup-info-c "$state" node1 'dmsetup info -c cr0'
    cap "$DM" dmsetup-table "$state" node1 'dmsetup table cr0'
    cap "$DM" dmsetup-status "$state" node1 'dmsetup status cr0'
    cap "$DM" sys-dm-name-uuid-suspended "$state" node1 'd=$(basename $(readlink -f /dev/mapper/cr0)); cat /sys/block/$d/dm/name /sys/block/$d/dm/uuid /sys/block/$d/dm/suspended'
    cap "$DM" sys-dm-attributes "$state" node1 'd=$(basename $(readlink -f /dev/mapper/cr0)); cd /sys/block/$d && for f in dev size ro queue/discard_max_bytes slaves/*/dev slaves/*/size slaves/*/queue/discard_max_bytes; do echo "==> /sys/block/$d/$f <=="; cat $f; echo; done'
    cap "$DM" ls-holders-slaves "$state" node1 'ls -l /sys/block/dm-*/holders /sys/block/dm-*/slaves'
}
dmsnap luks-open
lab_ssh node1 dmsetup suspend cr0
dmsnap dm-suspended
lab_ssh node1 dmsetup resume cr0
dmsnap dm-resumed
lab_sh node1 "$LUKS /usr/lib/ocf/resource.d/halo/luks stop; wipefs -q -a -f /dev/vdc; rm -f /root/cap.key" >/dev/null 2>&1
lab_result dm-capture-ms $(( $(lab_now_ms) - t0 ))

# --- LIO: a target made by halo's lio agent -----------------------------------------------------------
t0=$(lab_now_ms)
lab_say "capturing LIO configfs into $LIO"
TGT=/sys/kernel/config/target/iscsi/iqn.2026-11.lab.test:node1.drbd0/tpgt_1
BS=/sys/kernel/config/target/core/iblock_0/drbd0
LIOENV="OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=cap-lio OCF_RESKEY_iqn=iqn.2026-11.lab.test:node1.drbd0 OCF_RESKEY_device_name=drbd0 OCF_RESKEY_backing=/dev/drbd0 OCF_RESKEY_allowed_portals=198.18.1.11 OCF_RESKEY_initiators=iqn.2026-11.lab.test:client"
res=$(mktemp); lab_drbd_res r0 /dev/vdb >"$res"
lab_copy node1 "$res" /etc/drbd.d/r0.res; rm -f "$res"
lab_sh node1 'modprobe -a target_core_mod target_core_iblock target_core_file iscsi_target_mod &&
    drbdadm create-md --force r0 >/dev/null 2>&1 && drbdadm up r0 && drbdadm primary --force r0' >/dev/null 2>&1 ||
    lab_die "capture: no DRBD Primary for the LIO target"
cap "$LIO" find-sys-kernel-config-target lio-empty node1 'find /sys/kernel/config/target -maxdepth 8 | sort'
lab_sh node1 "$LIOENV /usr/lib/ocf/resource.d/halo/lio start" >/dev/null 2>&1 || lab_die "capture: the lio agent did not start"
S=lio-halo-configured
cap "$LIO" find-sys-kernel-config-target $S node1 'find /sys/kernel/config/target -maxdepth 8 | sort'
cap "$LIO" lio-backstore-enable $S node1 "cat $BS/enable"
cap "$LIO" lio-backstore-info $S node1 "cat $BS/info"
cap "$LIO" lio-backstore-udev_path $S node1 "cat $BS/udev_path"
cap "$LIO" lio-backstore-wwn-all $S node1 "for f in \$(find $BS/wwn -maxdepth 1 -type f | sort); do echo \"==> \$f <==\"; cat \"\$f\"; echo; done"
cap "$LIO" lio-backstore-attrib-all $S node1 "for f in $BS/attrib/*; do echo \"==> \$f <==\"; cat \"\$f\"; echo; done"
cap "$LIO" lio-tpgt1-enable $S node1 "cat $TGT/enable"
cap "$LIO" lio-tpgt1-attrib-all $S node1 "for f in $TGT/attrib/*; do echo \"==> \$f <==\"; cat \"\$f\"; echo; done"
cap "$LIO" lio-tpgt1-param-all $S node1 "for f in $TGT/param/*; do echo \"==> \$f <==\"; cat \"\$f\"; echo; done"
cap "$LIO" lio-acls-find $S node1 "find $TGT/acls -maxdepth 4 | sort"
cap "$LIO" lio-acls-files $S node1 "for f in \$(find $TGT/acls -type f | sort); do echo \"==> \$f <==\"; cat \"\$f\"; echo; done"
cap "$LIO" lio-acls-mapped-lun-link $S node1 "ls -l $TGT/acls/iqn.2026-11.lab.test:client/lun_0/; readlink $TGT/acls/iqn.2026-11.lab.test:client/lun_0/*"
cap "$LIO" lio-lun0-link $S node1 "ls -l $TGT/lun/lun_0/; readlink $TGT/lun/lun_0/*"
cap "$LIO" lio-portal-find $S node1 "ls -la $TGT/np/"
cap "$LIO" targetcli-ls $S node1 'targetcli ls'
lab_sh node1 "$LIOENV /usr/lib/ocf/resource.d/halo/lio stop" >/dev/null 2>&1 || lab_die "capture: the lio agent did not stop"
cap "$LIO" find-sys-kernel-config-target lio-halo-stopped node1 'find /sys/kernel/config/target -maxdepth 8 | sort'
lab_sh node1 'drbdadm down r0; drbdadm -- --force wipe-md r0; rm /etc/drbd.d/r0.res' >/dev/null 2>&1
lab_result lio-capture-ms $(( $(lab_now_ms) - t0 ))

# --- report, and the merge into the repository -------------------------------------------------------
# Compared without what varies between runs or was only described differently: the header's
# times and state description, the note after an exit status ("124 (124 = ended by timeout)");
# "numbers-only" also masks every number (counters, sizes, timestamps, pids, minors).
comparable() { grep -Ev '^# (state|captured|started):' "$1" | sed -E 's/^(# exit: [0-9]+) .*/\1/'; }
normalized() { comparable "$1" | sed -E 's/[0-9]+/N/g'; }
total=0 added=0 same=0 numbers=0 different=0
report=$out/REPORT.txt
: >"$report"
for dir in "$DRBD" "$DM" "$LIO"; do
    set_name=$(basename "$dir")
    repo=$LAB_REPO/Tests/Fixtures/$set_name
    for f in "$dir"/*.txt; do
        [ -e "$f" ] || continue
        total=$((total + 1))
        name=$(basename "$f")
        if [ ! -e "$repo/$name" ]; then
            verdict=new; added=$((added + 1))
            [ "$into_repo" = 1 ] && { mkdir -p "$repo"; cp "$f" "$repo/$name"; }
        elif cmp -s <(comparable "$f") <(comparable "$repo/$name"); then
            verdict=identical; same=$((same + 1))
        elif cmp -s <(normalized "$f") <(normalized "$repo/$name"); then
            verdict=numbers-only; numbers=$((numbers + 1))
        else
            verdict=different; different=$((different + 1))
        fi
        printf '%-13s %s/%s\n' "$verdict" "$set_name" "$name" >>"$report"
    done
done
echo "=== capture: $total files in $out (report: $report)"
echo "    compared with Tests/Fixtures: $added new, $same identical (but for capture time and state description), $numbers the same but for numbers, $different different"
if [ "$into_repo" = 1 ]; then
    echo "    --into-repo: the $added new files were added to Tests/Fixtures/<set>/; no existing file was changed"
fi
grep '^different' "$report" | sed 's/^/    /' | head -n 40
