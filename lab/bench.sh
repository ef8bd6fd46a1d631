#!/bin/bash
# lab/bench.sh — `lab/lab bench [RUNS]`: halo's monitors against the established agents on the same
# resources, in the lab's guests (real DRBD 8.4, dm-crypt, LIO, VLANs), side by side in one run:
#
#   drbd    halo drbd monitor (Primary, peer connected)      vs ocf:linbit:drbd monitor
#           (and, as "before", halo's monitor reading with drbdsetup events2: HALO_DRBD_STATE=events2)
#   luks    halo luks monitor (an open LUKS2 volume)          vs ocf:heartbeat:crypt monitor
#   lio     halo lio monitor (one LUN, depth 0)               vs ocf:heartbeat:iSCSITarget +
#                                                                ocf:heartbeat:iSCSILogicalUnit (lio-t)
#   portal  halo portal monitor (6 addresses on 6 VLANs)      vs one ocf:heartbeat:IPaddr2 monitor
#
# Each side: hyperfine -N (no shell) in node1, RUNS timed runs (default 20) after 3 warm-ups, and
# one run under strace -f -e trace=execve for the processes it runs (successful execve calls;
# failed ones — PATH lookups — counted apart). As in shared/reference/baseline.md §1c: corosync
# and Pacemaker run with maintenance-mode=true and no resources (ocf:linbit:drbd's monitor needs a
# CIB for its score; halo's writes its score once and then only when it changes). Prints a
# markdown table; the raw hyperfine JSON stays in $LAB_RUN/bench/.
#
# Uses the running lab (and leaves it up) or boots one and tears it down. Installs halo first
# (lab/tests/55-halo.sh). Rows: lab/lab bench [RUNS] [ROW...]. On the lab's backend (lab/lab
# --backend uml|qemu bench, default UML), which the table's header names: the two backends' numbers
# are never one comparison.
set -uo pipefail
source "$(dirname "$(readlink -f "$0")")/lib.sh"

RUNS=20 rows=()
for a in "$@"; do
    if [[ $a =~ ^[0-9]+$ ]]; then RUNS=$a; else rows+=("$a"); fi
done
[ ${#rows[@]} -gt 0 ] || rows=(drbd luks lio portal)
[ "$(id -u)" = 0 ] || lab_die "the lab needs root"
out=$LAB_RUN/bench
started_lab=0

teardown_all() {
    lab_is_up || return 0
    lab_sh node1 "$COMMON_ENV; for p in /usr/lib/ocf/resource.d/halo/portal; do
          OCF_RESOURCE_INSTANCE=bench-portal OCF_RESKEY_addresses='$PORTAL_ADDRESSES' \$p stop; done
        OCF_RESOURCE_INSTANCE=bench-ip OCF_RESKEY_ip=198.19.24.71 OCF_RESKEY_cidr_netmask=24 OCF_RESKEY_nic=trunk.24 \
          /usr/lib/ocf/resource.d/heartbeat/IPaddr2 stop
        $LIO_SHELL_ENV /usr/lib/ocf/resource.d/heartbeat/iSCSILogicalUnit stop
        $LIO_SHELL_ENV /usr/lib/ocf/resource.d/heartbeat/iSCSITarget stop
        $LIO_HALO_ENV /usr/lib/ocf/resource.d/halo/lio stop
        for l in \$(losetup -j /root/bench-lio.img | cut -d: -f1); do losetup -d \$l; done; rm -f /root/bench-lio.img
        $LUKS_HALO_ENV /usr/lib/ocf/resource.d/halo/luks stop
        wipefs -q -a -f /dev/vdc; rm -f /root/bench.key
        ip link del trunk.24 2>/dev/null; true" >/dev/null 2>&1 || true
    lab_cluster_down >/dev/null 2>&1 || true
    local vm
    for vm in "${LAB_NODES[@]}"; do
        lab_sh "$vm" "$LAB_DRBD_R0_FORGET"'
                      rm -rf /run/resource-agents/bench* /tmp/bench-*; true' >/dev/null 2>&1 || true
    done
}
finish() {
    local rc=$?
    trap - EXIT
    teardown_all
    [ "$started_lab" = 1 ] && "$LAB_DIR/lab" down
    exit "$rc"
}

COMMON_ENV="export PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf OCF_RESKEY_CRM_meta_timeout=20000 OCF_RESKEY_CRM_meta_interval=10000 HA_LOGFACILITY=none"
PORTAL_ADDRESSES=$(for v in 24 25 26 27 28 29; do printf '198.19.%s.70/24@trunk.%s ' "$v" "$v"; done | sed 's/ $//')
DRBD_META="OCF_RESKEY_CRM_meta_clone_max=2 OCF_RESKEY_CRM_meta_clone_node_max=1 OCF_RESKEY_CRM_meta_master_max=1 OCF_RESKEY_CRM_meta_master_node_max=1 OCF_RESKEY_CRM_meta_promoted_max=1 OCF_RESKEY_CRM_meta_promoted_node_max=1 OCF_RESKEY_CRM_meta_notify=true OCF_RESKEY_CRM_meta_clone=0 OCF_RESKEY_crm_feature_set=3.16.2"
LUKS_HALO_ENV="OCF_RESOURCE_INSTANCE=bench-luks OCF_RESKEY_device=/dev/vdc OCF_RESKEY_name=cr-bench OCF_RESKEY_key=/root/bench.key"
LIO_HALO_ENV="OCF_RESOURCE_INSTANCE=bench-lio OCF_RESKEY_iqn=iqn.2026-11.lab.test:bench-halo OCF_RESKEY_device_name=benchhalo OCF_RESKEY_backing=\$(cat /tmp/bench-loop1) OCF_RESKEY_allowed_portals=127.0.0.1:3261 OCF_RESKEY_initiators=iqn.2026-11.lab.test:client"
LIO_SHELL_ENV="OCF_RESOURCE_INSTANCE=bench-lio-t OCF_RESKEY_implementation=lio-t OCF_RESKEY_iqn=iqn.2026-11.lab.test:bench-shell OCF_RESKEY_target_iqn=iqn.2026-11.lab.test:bench-shell OCF_RESKEY_portals=127.0.0.1:3262 OCF_RESKEY_lun=0 OCF_RESKEY_path=\$(cat /tmp/bench-loop2) OCF_RESKEY_allowed_initiators=iqn.2026-11.lab.test:client"

trap finish EXIT
if ! lab_is_up; then
    "$LAB_DIR/lab" up || lab_die "cannot bring the lab up"
    started_lab=1
fi
LAB_TEST_NAME=bench bash "$LAB_DIR/tests/55-halo.sh" >/dev/null || lab_die "installing halo into the guests failed"
teardown_all
rm -rf "$out"; mkdir -p "$out"
: >"$out/rows.tsv"

# measure ROW SIDE LABEL ENV COMMAND — hyperfine and strace of one side, in node1.
measure() {
    local row=$1 side=$2 label=$3 env=$4 cmd=$5 json="/tmp/bench-$1-$2.json"
    lab_say "$row: $label ($RUNS runs)"
    lab_sh node1 "$COMMON_ENV; export $env; hyperfine -N -i --style none --warmup 3 --runs $RUNS --export-json $json -- \"$cmd\" >/dev/null" \
        || lab_die "$row: hyperfine of '$cmd' failed"
    lab_ssh node1 cat "$json" >"$out/$row-$side.json"
    local ok failed
    read -r ok failed < <(lab_sh node1 "$COMMON_ENV; export $env; strace -f -qq -e trace=execve -e signal=none -o /tmp/bench-strace $cmd >/dev/null 2>&1;
        echo \$(grep -c '^[0-9]* *execve(.*= 0\$' /tmp/bench-strace) \$(grep -c '^[0-9]* *execve(.*= -1' /tmp/bench-strace)")
    lab_sh node1 "$COMMON_ENV; export $env; $cmd >/dev/null 2>&1; echo \$? >/tmp/bench-rc"
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$row" "$side" "$label" "$ok" "$failed" "$(lab_ssh node1 cat /tmp/bench-rc)" >>"$out/rows.tsv"
}

for row in "${rows[@]}"; do
    case $row in
    drbd)
        res=$(mktemp); lab_drbd_res r0 /dev/vdb >"$res"
        for vm in "${LAB_NODES[@]}"; do
            lab_copy "$vm" "$res" /etc/drbd.d/r0.res
            lab_sh "$vm" 'modprobe drbd && drbdadm create-md --force r0 >/dev/null 2>&1 && drbdadm up r0'
        done
        rm -f "$res"
        lab_wait_until 60 "r0 Connected" lab_sh node1 '[ "$(drbdadm cstate r0)" = Connected ]' >/dev/null
        lab_sh node1 'drbdadm -- --clear-bitmap new-current-uuid r0 && sleep 1 && drbdadm primary r0'
        lab_cluster_up >/dev/null
        lab_ssh node1 crm_attribute -t crm_config -n maintenance-mode -v true
        measure drbd halo "halo drbd monitor" "OCF_RESOURCE_INSTANCE=bench-drbd:0 OCF_RESKEY_resource=r0 $DRBD_META" \
            /usr/lib/ocf/resource.d/halo/drbd\ monitor
        # Before: the same agent reading DRBD's state with drbdsetup events2 (HALO_DRBD_STATE=events2).
        measure drbd before "halo drbd monitor via drbdsetup events2" \
            "HALO_DRBD_STATE=events2 OCF_RESOURCE_INSTANCE=bench-drbd:0 OCF_RESKEY_resource=r0 $DRBD_META" \
            /usr/lib/ocf/resource.d/halo/drbd\ monitor
        measure drbd shell "ocf:linbit:drbd monitor" "OCF_RESOURCE_INSTANCE=bench-linbit:0 OCF_RESKEY_drbd_resource=r0 $DRBD_META" \
            /usr/lib/ocf/resource.d/linbit/drbd\ monitor
        lab_cluster_down
        for vm in "${LAB_NODES[@]}"; do lab_sh "$vm" 'drbdadm down r0; drbdadm -- --force wipe-md r0 >/dev/null 2>&1; rm /etc/drbd.d/r0.res'; done
        ;;
    luks)
        lab_sh node1 "umask 077; head -c 32 /dev/urandom >/root/bench.key && chmod 0400 /root/bench.key &&
            cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file /root/bench.key /dev/vdc &&
            $COMMON_ENV && $LUKS_HALO_ENV /usr/lib/ocf/resource.d/halo/luks start" >/dev/null
        measure luks halo "halo luks monitor" "$LUKS_HALO_ENV" /usr/lib/ocf/resource.d/halo/luks\ monitor
        measure luks shell "ocf:heartbeat:crypt monitor" \
            "OCF_RESOURCE_INSTANCE=bench-crypt OCF_RESKEY_encrypted_dev=/dev/vdc OCF_RESKEY_crypt_dev=cr-bench OCF_RESKEY_key_file=/root/bench.key OCF_RESKEY_crypt_type=luks2" \
            /usr/lib/ocf/resource.d/heartbeat/crypt\ monitor
        lab_sh node1 "$COMMON_ENV; $LUKS_HALO_ENV /usr/lib/ocf/resource.d/halo/luks stop; wipefs -q -a -f /dev/vdc; rm -f /root/bench.key" >/dev/null
        ;;
    lio)
        # Two loop devices on one image: the two stacks cannot share one exclusively opened device.
        lab_sh node1 "modprobe -a target_core_mod target_core_iblock iscsi_target_mod && truncate -s 64M /root/bench-lio.img &&
            losetup --find --show /root/bench-lio.img >/tmp/bench-loop1 && losetup --find --show /root/bench-lio.img >/tmp/bench-loop2 &&
            $COMMON_ENV && $LIO_HALO_ENV /usr/lib/ocf/resource.d/halo/lio start &&
            $LIO_SHELL_ENV /usr/lib/ocf/resource.d/heartbeat/iSCSITarget start &&
            $LIO_SHELL_ENV /usr/lib/ocf/resource.d/heartbeat/iSCSILogicalUnit start" >/dev/null 2>&1 ||
            lab_die "lio: the targets did not start"
        measure lio halo "halo lio monitor" "$LIO_HALO_ENV" /usr/lib/ocf/resource.d/halo/lio\ monitor
        measure lio shell "iSCSITarget monitor" "$LIO_SHELL_ENV" /usr/lib/ocf/resource.d/heartbeat/iSCSITarget\ monitor
        measure lio shell2 "iSCSILogicalUnit monitor" "$LIO_SHELL_ENV" /usr/lib/ocf/resource.d/heartbeat/iSCSILogicalUnit\ monitor
        lab_sh node1 "$COMMON_ENV; $LIO_SHELL_ENV /usr/lib/ocf/resource.d/heartbeat/iSCSILogicalUnit stop;
            $LIO_SHELL_ENV /usr/lib/ocf/resource.d/heartbeat/iSCSITarget stop; $LIO_HALO_ENV /usr/lib/ocf/resource.d/halo/lio stop
            for l in \$(cat /tmp/bench-loop1 /tmp/bench-loop2); do losetup -d \$l; done; rm -f /root/bench-lio.img" >/dev/null 2>&1
        ;;
    portal)
        lab_sh node1 "$COMMON_ENV; OCF_RESOURCE_INSTANCE=bench-portal OCF_RESKEY_addresses='$PORTAL_ADDRESSES' \
                /usr/lib/ocf/resource.d/halo/portal start &&
            OCF_RESOURCE_INSTANCE=bench-ip OCF_RESKEY_ip=198.19.24.71 OCF_RESKEY_cidr_netmask=24 OCF_RESKEY_nic=trunk.24 \
                /usr/lib/ocf/resource.d/heartbeat/IPaddr2 start" >/dev/null 2>&1 || lab_die "portal: the addresses did not start"
        measure portal halo "halo portal monitor (6 addresses, 6 VLANs)" \
            "OCF_RESOURCE_INSTANCE=bench-portal OCF_RESKEY_addresses='$PORTAL_ADDRESSES'" /usr/lib/ocf/resource.d/halo/portal\ monitor
        measure portal shell "ocf:heartbeat:IPaddr2 monitor (1 address)" \
            "OCF_RESOURCE_INSTANCE=bench-ip OCF_RESKEY_ip=198.19.24.71 OCF_RESKEY_cidr_netmask=24 OCF_RESKEY_nic=trunk.24" \
            /usr/lib/ocf/resource.d/heartbeat/IPaddr2\ monitor
        lab_sh node1 "$COMMON_ENV; OCF_RESOURCE_INSTANCE=bench-ip OCF_RESKEY_ip=198.19.24.71 OCF_RESKEY_cidr_netmask=24 OCF_RESKEY_nic=trunk.24 \
                /usr/lib/ocf/resource.d/heartbeat/IPaddr2 stop
            OCF_RESOURCE_INSTANCE=bench-portal OCF_RESKEY_addresses='$PORTAL_ADDRESSES' /usr/lib/ocf/resource.d/halo/portal stop" >/dev/null 2>&1
        ;;
    *) lab_die "unknown bench row $row (drbd luks lio portal)" ;;
    esac
done

echo
header="lab benchmark on $(lab_backend_label): node1 (1 CPU, kernel $(lab_ssh node1 uname -r)), $RUNS runs per side after 3 warm-ups, $(date -u +%FT%TZ), host load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$header"
echo "$header" >"$out/backend.txt"
/usr/bin/python3 - "$out" <<'PY'
import json, statistics, sys, collections
out = sys.argv[1]
rows = collections.OrderedDict()
for line in open(f"{out}/rows.tsv"):
    row, side, label, ok, failed, rc = line.rstrip("\n").split("\t")
    times = json.load(open(f"{out}/{row}-{side}.json"))["results"][0]["times"]
    rows.setdefault(row, []).append(dict(side=side, label=label, ok=int(ok), failed=int(failed), rc=rc,
                                         median=statistics.median(times) * 1000, mean=statistics.mean(times) * 1000))
print()
print("| row | halo | median | established | median | ratio | processes halo / established (+ failed execve) | exit codes |")
print("|---|---|---:|---|---:|---:|---:|---|")
for row, sides in rows.items():
    halo = [s for s in sides if s["side"] == "halo"][0]
    shell = [s for s in sides if s["side"] not in ("halo", "before")]
    shell_median = sum(s["median"] for s in shell)
    shell_ok = sum(s["ok"] for s in shell)
    shell_failed = sum(s["failed"] for s in shell)
    label = " + ".join(s["label"] for s in shell)
    medians = " + ".join(f"{s['median']:.1f}" for s in shell)
    print(f"| {row} | {halo['label']} | {halo['median']:.1f} ms | {label} | {medians}{'' if len(shell) == 1 else f' = {shell_median:.1f}'} ms "
          f"| {shell_median / halo['median']:.1f}x | {halo['ok']} / {shell_ok}{f' (+{shell_failed})' if shell_failed else ''} "
          f"| {halo['rc']} / {' '.join(s['rc'] for s in shell)} |")
for row, sides in rows.items():
    for before in [s for s in sides if s["side"] == "before"]:
        after = [s for s in sides if s["side"] == "halo"][0]
        print(f"\n{row}, before and after in this run: {before['label']} {before['median']:.1f} ms, {before['ok']} processes "
              f"→ {after['label']} {after['median']:.1f} ms, {after['ok']} processes ({before['median'] / after['median']:.1f}x)")
print("\nmedians of hyperfine -N runs in node1; ratio = established median / halo median; processes = successful execve per call (strace -f)")
PY
