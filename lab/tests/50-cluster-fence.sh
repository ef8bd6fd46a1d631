#!/bin/bash
# lab/tests/50-cluster-fence.sh — corosync + Pacemaker form the 2-node cluster (knet over the
# management and replication links, two_node) with stonith:fence_halolab, and fencing is real:
#  1. stonith_admin --reboot node2 on node1 resets node2 (QEMU: QMP system_reset, the same
#     process; UML: a power cycle, a new process group), node2 boots again;
#  2. stonith_admin --fence node2 (action off) ends node2's QEMU process (UML: its process group),
#     --unfence (action on) boots it again from its disks.
# Leaves corosync and Pacemaker stopped with an empty CIB.
# Runs with lab/lab test --full only (about 2.5 min: cluster start and two boots of node2), so that
# the README's test command keeps its budget; the DRBD fencing test 65 needs --full too.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
lab_full_only "corosync + Pacemaker with fence_halolab: reboot, off and on of node2 (~2.5 min)"

boot_id() { lab_ssh "$1" cat /proc/sys/kernel/random/boot_id; }
fence_count() { lab_fence_request status "$1" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['counts']['$2'])"; }
node2_new_process() { local now; now=$(lab_vm_pid node2) && [ "$now" != "$1" ]; }
node2_off() { ! lab_vm_pid node2 >/dev/null; }
node2_back() { local id; id=$(lab_ssh node2 cat /proc/sys/kernel/random/boot_id 2>/dev/null) && [ -n "$id" ] && [ "$id" != "$1" ]; }

lab_expect "Pacemaker knows the agent (stonith_admin --list-installed)" \
    lab_sh node1 'stonith_admin --list-installed | grep -qw fence_halolab'
lab_expect "stonith_admin --metadata -a fence_halolab is well-formed XML" \
    lab_sh node1 'stonith_admin --metadata -a fence_halolab | xmllint --noout -'

lab_cluster_down   # whatever an earlier, failed run left
trap lab_cluster_down EXIT
t0=$(lab_now_ms)
lab_cluster_up
lab_result cluster-up-ms $(( $(lab_now_ms) - t0 ))
lab_expect "crm_verify -L: the configuration with fence-lab is valid" lab_ssh node1 crm_verify -L
lab_expect "votequorum: 2Node, quorate" lab_sh node1 'corosync-quorumtool -s | grep -q "Flags:.*2Node Quorate"'
lab_expect "knet: both links connected on node1" \
    lab_sh node1 '[ "$(corosync-cfgtool -s | grep -c "nodeid:.*2:.*connected")" = 2 ]'

# 1. reboot = hard reset: of the same QEMU process, or a power cycle of the UML guest
pid=$(lab_vm_pid node2); old_boot=$(boot_id node2); resets=$(fence_count node2 reset)
lab_step "stonith_admin --reboot node2 (node2 $LAB_BACKEND pid $pid)"
t0=$(lab_now_ms)
lab_expect "node1: stonith_admin --reboot node2" lab_ssh node1 stonith_admin --reboot node2 --timeout 120
lab_result fence-reboot-ms $(( $(lab_now_ms) - t0 ))
lab_master_stop node2
lab_expect "the fence service reset node2 ($LAB_BACKEND)" [ "$(fence_count node2 reset)" = $((resets + 1)) ]
if [ "$LAB_BACKEND" = qemu ]; then
    lab_expect "same QEMU process (reset, not restart)" [ "$(lab_vm_pid node2)" = "$pid" ]
else
    lab_expect "a new UML process group (the reset is a power cycle)" node2_new_process "$pid"
fi
lab_expect "node1 sees node2 fenced" lab_sh node1 'stonith_admin --history node2 | grep -q "reboot of node2.*successful"'
lab_wait_until 180 "node2 booted again (new boot_id)" node2_back "$old_boot"
lab_result fence-reboot-to-ssh-ms $(( $(lab_now_ms) - t0 ))
lab_master_start node2

# 2. off / on = the QEMU process (UML: the process group) ends, then a new one boots from the same disks
pid=$(lab_vm_pid node2); old_boot=$(boot_id node2)
lab_ssh node2 touch /root/survives-fencing
lab_ssh node2 sync
t0=$(lab_now_ms)
lab_expect "node1: stonith_admin --fence node2" lab_ssh node1 stonith_admin --fence node2 --timeout 120
lab_result fence-off-ms $(( $(lab_now_ms) - t0 ))
lab_master_stop node2
lab_expect "node2's $LAB_BACKEND process is gone (pid $pid)" node2_off
lab_expect "fence_halolab status says off (exit 2)" \
    lab_sh node1 'fence_halolab -o status -n node2; [ $? = 2 ]'
t0=$(lab_now_ms)
lab_expect "node1: stonith_admin --unfence node2" lab_ssh node1 stonith_admin --unfence node2 --timeout 120
lab_expect "node2 runs in a new $LAB_BACKEND process" node2_new_process "$pid"
lab_wait_until 180 "node2 booted again" node2_back "$old_boot"
lab_result fence-on-to-ssh-ms $(( $(lab_now_ms) - t0 ))
lab_master_start node2
lab_expect "node2 kept its disk across off/on" lab_ssh node2 test -e /root/survives-fencing

lab_step "fence service log:"
tail -n 8 "$LAB_RUN/fenced.log" | sed 's/^/    /'
