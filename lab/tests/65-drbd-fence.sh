#!/bin/bash
# lab/tests/65-drbd-fence.sh — halo's DRBD peer-fencing handlers under a real Pacemaker: r0 with
# `fencing resource-and-stonith`, fence-peer "halo-agent drbd-fence-peer" and after-resync-target
# "halo-agent drbd-unfence-peer"; the halo drbd promotable clone in the CIB, promoted on node1.
# Cutting the replication link (node2: ip link set repl down; corosync still sees node2 over
# mgmt) makes DRBD on the Primary call the handler, which places halo-fence-r0 (promotion only
# on node1) and answers 4 (peer outdated, it is a member); the frozen I/O resumes. After the
# link returns, node2 resyncs as SyncTarget and its after-resync-target handler removes the
# constraint. Leaves Pacemaker, corosync and DRBD stopped, the CIB empty.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
lab_full_only "halo's DRBD fence-peer handlers under Pacemaker (cluster up, link cut and restored: ~2 min)"
lab_halo_installed "${LAB_NODES[@]}"

cleanup() {
    local vm
    lab_ssh node2 ip link set repl up >/dev/null 2>&1 || true
    lab_cluster_down >/dev/null 2>&1 || true
    for vm in "${LAB_NODES[@]}"; do
        lab_sh "$vm" "$LAB_DRBD_R0_FORGET" >/dev/null 2>&1 || true
    done
    rm -f "$res"
}
res=$(mktemp)
cleanup; trap cleanup EXIT

lab_drbd_res r0 /dev/vdb 7789 0 "/usr/lib/halo/halo-agent drbd-fence-peer" "/usr/lib/halo/halo-agent drbd-unfence-peer" >"$res"
lab_step "r0.res:"; sed 's/^/    | /' "$res"
lab_drbd_r0_up "$res"
lab_wait_until 30 "UpToDate/UpToDate" lab_sh node1 '[ "$(drbdadm dstate r0)" = UpToDate/UpToDate ]'

t0=$(lab_now_ms)
lab_cluster_up
lab_result cluster-up-ms $(( $(lab_now_ms) - t0 ))

# The halo drbd promotable clone, promoted on node1 by preference.
lab_expect "cibadmin: the promotable clone lab-drbd-clone (ocf:halo:drbd resource=r0)" \
    lab_ssh node1 cibadmin --create -o resources --xml-text '
<clone id="lab-drbd-clone">
  <meta_attributes id="lab-drbd-clone-meta">
    <nvpair id="lab-drbd-clone-promotable" name="promotable" value="true"/>
    <nvpair id="lab-drbd-clone-promoted-max" name="promoted-max" value="1"/>
    <nvpair id="lab-drbd-clone-promoted-node-max" name="promoted-node-max" value="1"/>
    <nvpair id="lab-drbd-clone-clone-max" name="clone-max" value="2"/>
    <nvpair id="lab-drbd-clone-clone-node-max" name="clone-node-max" value="1"/>
    <nvpair id="lab-drbd-clone-notify" name="notify" value="true"/>
  </meta_attributes>
  <primitive id="lab-drbd" class="ocf" provider="halo" type="drbd">
    <instance_attributes id="lab-drbd-ia">
      <nvpair id="lab-drbd-resource" name="resource" value="r0"/>
    </instance_attributes>
    <operations>
      <op id="lab-drbd-monitor-promoted" name="monitor" interval="10s" role="Promoted" timeout="20s"/>
      <op id="lab-drbd-monitor-unpromoted" name="monitor" interval="20s" role="Unpromoted" timeout="20s"/>
    </operations>
  </primitive>
</clone>'
lab_expect "cibadmin: promote preferably on node1" lab_ssh node1 cibadmin --create -o constraints --xml-text \
    '<rsc_location id="lab-drbd-prefers-node1" rsc="lab-drbd-clone" role="Promoted" node="node1" score="100"/>'
promoted() {
    lab_sh node1 "crm_mon -1 --output-as=xml | xmllint --xpath 'string(//clone[@id=\"lab-drbd-clone\"]/resource[@role=\"Promoted\"]/node/@name)' -" 2>/dev/null
}
promoted_on() { [ "$(promoted)" = "$1" ]; }
lab_wait_until 120 "Pacemaker promoted lab-drbd on node1" promoted_on node1
lab_expect "node1 is DRBD Primary" [ "$(lab_ssh node1 drbdadm role r0)" = Primary/Secondary ]
lab_expect "no halo-fence constraint yet" lab_sh node1 '! cibadmin -Q -o constraints | grep -q halo-fence-r0'

# Cut the replication link: DRBD on node1 loses node2, freezes I/O and calls the handler.
lab_sh node1 'dmesg -C'
t0=$(lab_now_ms)
lab_expect "node2: ip link set repl down" lab_ssh node2 ip link set repl down
lab_wait_until 60 "the handler placed halo-fence-r0 in the CIB" lab_sh node1 'cibadmin -Q -o constraints | grep -q halo-fence-r0'
lab_result link-down-to-constraint-ms $(( $(lab_now_ms) - t0 ))
constraint=$(lab_ssh node1 cibadmin -Q --xpath "//rsc_location[@id='halo-fence-r0']")
printf '%s\n' "$constraint" | sed 's/^/    | /'
lab_expect "the constraint: lab-drbd-clone, role Promoted, -INFINITY where #uname ne node1" \
    lab_match "$constraint" 'rsc="lab-drbd-clone".*role="Promoted".*score="-INFINITY".*attribute="#uname" operation="ne" value="node1"'
lab_wait_until 30 "DRBD: fence-peer helper returned 4 (peer outdated, it is a cluster member)" \
    lab_sh node1 'dmesg | grep -q "fence-peer helper returned 4"'
lab_expect "node1: I/O not suspended any more, still Primary" \
    lab_sh node1 '[ "$(drbdadm role r0)" = Primary/Unknown ] && ! drbdsetup events2 --now r0 | grep -q "suspended:fencing\|suspended:yes"'
lab_expect "node1: a write goes through (and leaves something to resync)" \
    lab_sh node1 'dd if=/dev/urandom of=/dev/drbd0 bs=64k count=16 oflag=direct status=none'
lab_expect "journal: the handler's lines (SYSLOG_IDENTIFIER=halo-drbd-fence-peer)" \
    lab_sh node1 'journalctl -q --no-pager SYSLOG_IDENTIFIER=halo-drbd-fence-peer -o cat | grep -q "placed halo-fence-r0"'
lab_expect "Pacemaker still has node1 promoted" [ "$(promoted)" = node1 ]

# Back: reconnect, node2 resyncs and its after-resync-target handler removes the constraint.
t0=$(lab_now_ms)
lab_expect "node2: ip link set repl up" lab_ssh node2 ip link set repl up
lab_wait_until 90 "resync done: UpToDate/UpToDate" lab_sh node1 '[ "$(drbdadm cstate r0) $(drbdadm dstate r0)" = "Connected UpToDate/UpToDate" ]'
lab_wait_until 60 "the unfence handler on node2 removed halo-fence-r0" lab_sh node1 '! cibadmin -Q -o constraints | grep -q halo-fence-r0'
lab_result link-up-to-unfence-ms $(( $(lab_now_ms) - t0 ))
lab_expect "journal on node2: the unfence line" \
    lab_sh node2 'journalctl -q --no-pager SYSLOG_IDENTIFIER=halo-drbd-fence-peer -o cat | grep -q "removed halo-fence-r0"'
lab_expect "crm_verify -L: the configuration is valid" lab_ssh node1 crm_verify -L

t0=$(lab_now_ms)
lab_expect "stop the clone (target-role Stopped)" lab_sh node1 'crm_resource -r lab-drbd-clone --meta -p target-role -v Stopped >/dev/null'
lab_wait_until 120 "lab-drbd stopped on both nodes" lab_sh node1 \
    '[ "$(crm_mon -1 --output-as=xml | xmllint --xpath "count(//clone[@id=\"lab-drbd-clone\"]/resource[@active=\"true\"])" -)" = 0 ]'
r0_down() { local vm; for vm in "$@"; do ! lab_ssh "$vm" drbdsetup status r0 >/dev/null 2>&1 || return 1; done; }
lab_expect "r0 is down on both (stopped by the agent)" r0_down node1 node2
