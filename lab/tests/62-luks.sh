#!/bin/bash
# lab/tests/62-luks.sh — ocf:halo:luks on real dm-crypt (docs/luks.md, "The VM lab must"):
#  A. node1, LUKS2 on /dev/vdc: the real ocf-tester and halo-conformance; monitor 0/10/20;
#     depth-10 drift: suspended (1), discards differing (190), the header wiped under the open
#     mapping (190, never 1), the table wiped (1); stop refused while a process, a mount or a
#     process in uninterruptible sleep holds it, force stop ends the process (and only processes:
#     the mount and the D-state survivor are named); a mapping of another device under the name —
#     another LUKS volume, and an LVM-style linear device — is refused at start (2, naming
#     both), reported 7 and left alone by stop.
#  B. below DRBD (the seed layout): a clone, each node opens its own disk by a shared header
#     UUID (device=UUID=...); clone-node-max 2 is refused (6); stop with DRBD attached is refused
#     naming drbd0 (also with force_stop).
#  C. above DRBD: one header on /dev/drbd0, device=UUID= without udev's by-uuid link; probe on
#     the Secondary 7; opened on node1, then on node2 after the DRBD roles moved, same data.
# Leaves no mapping, no DRBD, no LUKS header, no key file behind.
# lab-backends: uml qemu
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
lab_halo_installed "${LAB_NODES[@]}"

U1=1ab1c5e0-0000-4000-8000-000000000001    # vdc on node1 and node2 (below DRBD: shared UUID)
U2=1ab1c5e0-0000-4000-8000-000000000002    # /dev/drbd0 (above DRBD)
U3=1ab1c5e0-0000-4000-8000-000000000003    # the foreign volume on vdb
# The kernel's names of node1's vdb and vdc (the agent's reasons and sysfs use them): vdb and vdc
# on QEMU, ubdb and ubdc on UML (lab/README.md, "Disks").
VDB=$(lab_disk_kname node1 /dev/vdb) VDC=$(lab_disk_kname node1 /dev/vdc)
KEY=/root/lab-luks.key
FORMAT="cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file $KEY"
L=(OCF_RESOURCE_INSTANCE=lab-luks name=lab-crypt "key=$KEY")
luks() { local vm=$1 action=$2; shift 2; lab_agent "$vm" luks "$action" "${L[@]}" "$@"; }
mapped() { lab_ssh "$1" dmsetup info lab-crypt >/dev/null 2>&1; }
unmapped() { ! mapped "$1"; }
gone() { ! lab_ssh "$1" kill -0 "$2" 2>/dev/null; }

cleanup() {
    local vm
    for vm in "${LAB_NODES[@]}"; do
        lab_sh "$vm" "
            [ -e /tmp/lab-luks-holder.pid ] && kill \$(cat /tmp/lab-luks-holder.pid) 2>/dev/null
            [ -e /usr/lib/halo/halo-agent-dl.aside ] && mv /usr/lib/halo/halo-agent-dl.aside /usr/lib/halo/halo-agent-dl
            dmsetup resume lab-crypt 2>/dev/null; umount /mnt/lab-luks 2>/dev/null; rmdir /mnt/lab-luks 2>/dev/null
            $LAB_DRBD_R0_FORGET
            sleep 0.5; dmsetup remove lab-crypt 2>/dev/null; dmsetup remove lab-crypt 2>/dev/null
            wipefs -q -a -f /dev/vdb /dev/vdc; rm -f $KEY /root/lab-luks-hdr.bak /tmp/lab-luks-* /tmp/ocft.txt /tmp/conf.txt
            rm -rf /run/resource-agents/lab-luks*; true" >/dev/null 2>&1 || true
    done
    rm -f "$res"
}
res=$(mktemp)
cleanup; trap cleanup EXIT

for vm in "${LAB_NODES[@]}"; do
    lab_expect "$vm: key file $KEY (32 random bytes, 0400 root)" \
        lab_sh "$vm" "umask 077; head -c 32 /dev/urandom >$KEY && chmod 0400 $KEY"
done
# Both nodes get the same key: the above-DRBD layout opens one replicated header on either node.
lab_ssh node1 cat "$KEY" | lab_ssh node2 bash -c "cat >$KEY"

# --- A. one node, a path --------------------------------------------------------------------
lab_step "A. node1: LUKS2 on /dev/vdc"
lab_expect "node1: luksFormat /dev/vdc (LUKS2, pbkdf2 1000 iterations, uuid $U1)" \
    lab_ssh node1 bash -c "$FORMAT --uuid $U1 /dev/vdc"
A=(device=/dev/vdc)
lab_expect "ocf-tester passes" lab_sh node1 "ocf-tester -n lab-luks -o device=/dev/vdc -o name=lab-crypt -o key=$KEY \
    /usr/lib/ocf/resource.d/halo/luks >/tmp/ocft.txt 2>&1 || { cat /tmp/ocft.txt; exit 1; }"
lab_expect "halo-conformance passes" lab_sh node1 "/usr/lib/halo/halo-conformance -n lab-luks -o device=/dev/vdc \
    -o name=lab-crypt -o key=$KEY /usr/lib/ocf/resource.d/halo/luks >/tmp/conf.txt 2>&1 && tail -n 1 /tmp/conf.txt ||
    { grep -v '^PASS' /tmp/conf.txt; exit 1; }"
lab_expect "nothing open after them" unmapped node1

lab_expect_rc "probe" 7 luks node1 monitor "${A[@]}"
lab_expect_rc "start" 0 luks node1 start "${A[@]}"
lab_result start-ms "$LAB_MS"
lab_expect "/dev/mapper/lab-crypt is a crypt mapping on vdc ($VDC)" \
    lab_sh node1 'dmsetup table lab-crypt | grep -q " crypt " && ls /sys/block/$(basename $(readlink -f /dev/mapper/lab-crypt))/slaves | grep -qx '"$VDC"
lab_expect_rc "start again" 0 luks node1 start "${A[@]}"
for level in 0 10 20; do
    lab_expect_rc "monitor depth $level" 0 luks node1 monitor "${A[@]}" OCF_CHECK_LEVEL=$level
    lab_result monitor$level-ms "$LAB_MS"
done
lab_expect_rc "validate-all depth 20 (loads the header, verifies the key)" 0 luks node1 validate-all "${A[@]}" OCF_CHECK_LEVEL=20
# The static halo-agent hands start, stop and validate-all to halo-agent-dl (libcryptsetup);
# monitors never load it. Without the twin: those refuse with 5 naming it, monitors still work.
lab_sh node1 'mv /usr/lib/halo/halo-agent-dl /usr/lib/halo/halo-agent-dl.aside'
lab_expect_rc "without halo-agent-dl: validate-all" 5 luks node1 validate-all "${A[@]}"
lab_expect_reason "the reason names halo-agent-dl" "halo-agent-dl"
lab_expect_rc "without halo-agent-dl: monitor depth 20 (no library)" 0 luks node1 monitor "${A[@]}" OCF_CHECK_LEVEL=20
lab_sh node1 'mv /usr/lib/halo/halo-agent-dl.aside /usr/lib/halo/halo-agent-dl'

# Drift at depth 10.
lab_ssh node1 dmsetup suspend lab-crypt
lab_expect_rc "suspended: monitor depth 0 (sysfs name and slaves only)" 0 luks node1 monitor "${A[@]}"
lab_expect_rc "suspended: monitor depth 10" 1 luks node1 monitor "${A[@]}" OCF_CHECK_LEVEL=10
lab_expect_reason "the reason says suspended" "suspended"
lab_ssh node1 dmsetup resume lab-crypt
lab_expect_rc "resumed: monitor depth 10" 0 luks node1 monitor "${A[@]}" OCF_CHECK_LEVEL=10
lab_expect_rc "discards differ (allow_discards=true, opened without): depth 10" 190 \
    luks node1 monitor "${A[@]}" OCF_CHECK_LEVEL=10 allow_discards=true
lab_expect_reason "the reason says discards" "discards"

# Stop while a process holds the mapping; force stop ends it.
lab_sh node1 'setsid sleep 600 </dev/mapper/lab-crypt >/dev/null 2>&1 & echo $! >/tmp/lab-luks-holder.pid'
holder=$(lab_ssh node1 cat /tmp/lab-luks-holder.pid)
lab_expect_rc "stop while sleep[$holder] holds /dev/mapper/lab-crypt" 1 luks node1 stop "${A[@]}"
lab_expect_reason "the reason names the process" "sleep\[$holder\]"
lab_expect "still open" mapped node1
lab_expect_rc "stop with force_stop=true" 0 luks node1 stop "${A[@]}" force_stop=true
lab_expect "closed" unmapped node1
lab_expect "sleep[$holder] is gone" gone node1 "$holder"

# Stop while mounted: refused, and force stop does not kill anything for a mount.
lab_expect_rc "start" 0 luks node1 start "${A[@]}"
lab_expect "mkfs.ext4 and mount /mnt/lab-luks" \
    lab_sh node1 'mkfs.ext4 -q -F /dev/mapper/lab-crypt && mkdir -p /mnt/lab-luks && mount /dev/mapper/lab-crypt /mnt/lab-luks'
lab_expect_rc "stop while mounted" 1 luks node1 stop "${A[@]}"
lab_expect_reason "the reason names the mount" "/mnt/lab-luks"
lab_expect_rc "force stop while mounted (refuses: a mount is not a process)" 1 luks node1 stop "${A[@]}" force_stop=true
lab_expect_reason "the reason names the mount" "/mnt/lab-luks"
lab_expect "still open and mounted" lab_sh node1 'mountpoint -q /mnt/lab-luks'
lab_sh node1 "umount /mnt/lab-luks && wipefs -q -a /dev/mapper/lab-crypt"   # DRBD (part B) refuses a disk with a filesystem

# A process in uninterruptible sleep (I/O on the suspended mapping) survives SIGKILL.
lab_ssh node1 dmsetup suspend lab-crypt
lab_sh node1 'setsid dd if=/dev/mapper/lab-crypt of=/dev/null bs=4096 count=1 iflag=direct </dev/null >/dev/null 2>&1 &
              echo $! >/tmp/lab-luks-holder.pid'
holder=$(lab_ssh node1 cat /tmp/lab-luks-holder.pid)
lab_wait_until 10 "dd[$holder] is in D state" lab_sh node1 "[ \"\$(ps -o stat= -p $holder | cut -c1)\" = D ]"
lab_expect_rc "force stop (timeout 10 s) with dd[$holder] stuck in I/O" 1 \
    luks node1 stop "${A[@]}" force_stop=true CRM_meta_timeout=10000
lab_expect_reason "the survivor is named" "dd\[$holder\] survived"
lab_expect "the force stop stayed within its 10 s ($LAB_MS ms)" [ "$LAB_MS" -lt 10000 ]
lab_ssh node1 dmsetup resume lab-crypt
lab_wait_until 10 "dd[$holder] gone after resume" lab_sh node1 "! kill -0 $holder 2>/dev/null"
lab_expect_rc "stop" 0 luks node1 stop "${A[@]}"

# The table replaced by an error target.
lab_expect_rc "start" 0 luks node1 start "${A[@]}"
lab_ssh node1 dmsetup wipe_table lab-crypt
lab_expect_rc "table wiped: monitor depth 0" 1 luks node1 monitor "${A[@]}"
lab_expect_rc "table wiped: monitor depth 10" 1 luks node1 monitor "${A[@]}" OCF_CHECK_LEVEL=10
lab_expect_reason "the reason says the backing device is lost" "lost its backing device"
lab_expect_rc "stop" 0 luks node1 stop "${A[@]}"
lab_expect "closed" unmapped node1

# The header wiped under the open mapping: degraded (190), never failed (a restart would lose it).
lab_expect_rc "start" 0 luks node1 start "${A[@]}"
lab_expect "back up the header, then wipefs -a -f /dev/vdc under the open mapping" \
    lab_sh node1 'cryptsetup luksHeaderBackup /dev/vdc --header-backup-file /root/lab-luks-hdr.bak && wipefs -q -a -f /dev/vdc'
lab_expect_rc "header gone: monitor depth 0" 0 luks node1 monitor "${A[@]}"
lab_expect_rc "header gone: monitor depth 10" 190 luks node1 monitor "${A[@]}" OCF_CHECK_LEVEL=10
lab_expect_reason "the reason says the header is gone and to back up the volume key" "header.*gone.*back up"
lab_expect_rc "header gone: monitor depth 20" 190 luks node1 monitor "${A[@]}" OCF_CHECK_LEVEL=20
lab_expect_rc "header gone, header_check=open: depth 10 does not look" 0 \
    luks node1 monitor "${A[@]}" OCF_CHECK_LEVEL=10 header_check=open
lab_expect_rc "stop" 0 luks node1 stop "${A[@]}"
lab_expect "restore the header" lab_ssh node1 cryptsetup luksHeaderRestore -q /dev/vdc --header-backup-file /root/lab-luks-hdr.bak

# Another device's mapping under the name: another LUKS volume (vdb), then an LVM-style device.
lab_expect "node1: a foreign LUKS volume on /dev/vdb opened as lab-crypt by cryptsetup" \
    lab_ssh node1 bash -c "$FORMAT --uuid $U3 /dev/vdb && cryptsetup open --key-file $KEY /dev/vdb lab-crypt"
lab_expect_rc "start with lab-crypt taken by vdb" 2 luks node1 start "${A[@]}"
lab_expect_reason "the reason names both devices" "$VDB.*vdc|vdc.*$VDB"
lab_expect_rc "monitor: not this resource's" 7 luks node1 monitor "${A[@]}"
lab_expect_rc "stop" 0 luks node1 stop "${A[@]}"
lab_expect "the foreign mapping is left alone" lab_sh node1 'dmsetup table lab-crypt | grep -q " crypt "'
lab_ssh node1 cryptsetup close lab-crypt
lab_expect "node1: an LVM-style linear device named lab-crypt (dm uuid LVM-...; lvm2 is not in the image)" \
    lab_ssh node1 dmsetup create lab-crypt --uuid LVM-1ab0000000000000000000000000000000000000000000000000000000000000 \
        --table "0 2048 linear /dev/vdb 0"
lab_expect_rc "start with lab-crypt taken by the LVM device" 2 luks node1 start "${A[@]}"
lab_step "reason: $LAB_REASON"
lab_expect_rc "monitor" 7 luks node1 monitor "${A[@]}"
lab_expect_rc "stop" 0 luks node1 stop "${A[@]}"
lab_expect "the LVM device is left alone" lab_sh node1 'dmsetup table lab-crypt | grep -q " linear "'
lab_ssh node1 dmsetup remove lab-crypt
lab_ssh node1 wipefs -q -a /dev/vdb

# --- B. below DRBD: a clone, each node its own disk, one shared header UUID -------------------------
lab_step "B. below DRBD: clone on node1 and node2, device=UUID=$U1"
lab_expect "node2: luksFormat its own /dev/vdc with the same UUID" lab_ssh node2 bash -c "$FORMAT --uuid $U1 /dev/vdc"
B=(device=UUID=$U1 CRM_meta_clone_max=2 CRM_meta_clone_node_max=1)
lab_expect_rc "node1: start with clone-node-max=2" 6 luks node1 start device=UUID=$U1 CRM_meta_clone_max=2 CRM_meta_clone_node_max=2
lab_expect_rc "node1: validate-all depth 10 with clone-node-max=2" 6 luks node1 validate-all device=UUID=$U1 CRM_meta_clone_max=2 CRM_meta_clone_node_max=2 OCF_CHECK_LEVEL=10
for vm in "${LAB_NODES[@]}"; do
    lab_expect_rc "$vm: start (clone)" 0 luks "$vm" start "${B[@]}"
    lab_expect_rc "$vm: monitor depth 10" 0 luks "$vm" monitor "${B[@]}" OCF_CHECK_LEVEL=10
done
lab_drbd_res r0 /dev/mapper/lab-crypt >"$res"
for vm in "${LAB_NODES[@]}"; do
    lab_copy "$vm" "$res" /etc/drbd.d/r0.res
    lab_expect "$vm: DRBD r0 on /dev/mapper/lab-crypt" lab_sh "$vm" '{ drbdadm create-md --force r0 && drbdadm up r0; } >/tmp/lab-luks-drbd.txt 2>&1 || { cat /tmp/lab-luks-drbd.txt; exit 1; }'
done
lab_wait_until 60 "r0 Connected over the two encrypted disks" lab_sh node1 '[ "$(drbdadm cstate r0)" = Connected ]'
lab_expect_rc "node1: stop with DRBD attached" 1 luks node1 stop "${B[@]}"
lab_expect_reason "the reason names drbd0" "drbd0"
lab_expect_rc "node1: force stop with DRBD attached (stacked devices are not killed)" 1 luks node1 stop "${B[@]}" force_stop=true
lab_expect_reason "the reason names drbd0" "drbd0"
lab_expect_rc "node1: monitor depth 10 (still open)" 0 luks node1 monitor "${B[@]}" OCF_CHECK_LEVEL=10
for vm in "${LAB_NODES[@]}"; do
    lab_expect "$vm: DRBD down" lab_sh "$vm" 'drbdadm down r0 && drbdadm -- --force wipe-md r0 >/dev/null 2>&1 && rm /etc/drbd.d/r0.res'
    lab_expect_rc "$vm: stop" 0 luks "$vm" stop "${B[@]}"
done

# --- C. above DRBD: one replicated header, opened on the Primary ----------------------------------
lab_step "C. above DRBD: LUKS2 on /dev/drbd0, device=UUID=$U2"
lab_drbd_res r0 /dev/vdb >"$res"
lab_drbd_r0_up "$res" primary
lab_expect "node1: luksFormat /dev/drbd0 (uuid $U2)" lab_ssh node1 bash -c "$FORMAT --uuid $U2 /dev/drbd0"
lab_sh node1 "udevadm settle; rm -f /dev/disk/by-uuid/$U2"
lab_expect "node1: udev's /dev/disk/by-uuid/$U2 is not there (removed: the agent must not need it)" \
    lab_ssh node1 test ! -e "/dev/disk/by-uuid/$U2"
C=(device=UUID=$U2)
lab_expect_rc "node2 (Secondary): probe" 7 luks node2 monitor "${C[@]}"
lab_expect_rc "node2 (Secondary): start (drbd0 answers EMEDIUMTYPE: it may be the device after promotion)" 1 \
    luks node2 start "${C[@]}"
lab_expect_rc "node1 (Primary): start" 0 luks node1 start "${C[@]}"
lab_expect "node1: the mapping sits on drbd0" lab_sh node1 'ls /sys/block/$(basename $(readlink -f /dev/mapper/lab-crypt))/slaves | grep -qx drbd0'
lab_expect_rc "node1: monitor depth 10" 0 luks node1 monitor "${C[@]}" OCF_CHECK_LEVEL=10
sum=$(lab_sh node1 'head -c 65536 /dev/urandom >/tmp/lab-luks-blk && dd if=/tmp/lab-luks-blk of=/dev/mapper/lab-crypt bs=64k oflag=direct status=none && md5sum </tmp/lab-luks-blk')
lab_expect_rc "node1: stop" 0 luks node1 stop "${C[@]}"
lab_expect "DRBD: node1 Secondary" lab_ssh node1 drbdadm secondary r0
lab_expect "DRBD: node2 Primary" lab_ssh node2 drbdadm primary r0
lab_expect_rc "node1 (Secondary now): probe" 7 luks node1 monitor "${C[@]}"
lab_expect_rc "node2 (Primary): start" 0 luks node2 start "${C[@]}"
lab_expect "node2 reads through its mapping what node1 wrote through its own" \
    [ "$(lab_sh node2 'dd if=/dev/mapper/lab-crypt bs=64k count=1 iflag=direct status=none | md5sum')" = "$sum" ]
lab_expect_rc "node2: stop" 0 luks node2 stop "${C[@]}"
lab_ssh node2 drbdadm secondary r0
