# lab/cluster.sh — helpers for tests that need DRBD or a corosync/Pacemaker cluster on the
# storage nodes. Sourced by lib.sh; uses lab_ssh/lab_sh.
#
#   lab_drbd_res NAME DISK [PORT] [MINOR] [FENCE UNFENCE]
#                                            print a DRBD 8.4 resource over the replication link
#   $LAB_DRBD_R0_FORGET                      remote command: r0 down and forgotten, where it exists
#   lab_drbd_r0_up RESFILE [primary]         r0 up and Connected on both nodes, no initial sync
#   lab_corosync_conf                        print the lab's corosync.conf (knet, two links, two_node)
#   lab_corosync_up                          corosync alone on node1/node2 (the halod profile), a new key
#   lab_cluster_up                           start corosync + pacemaker on node1/node2, wait for both
#                                            online, configure the fence device fence-lab (none
#                                            with LAB_CLUSTER_FENCE=none; LAB_CLUSTER_TOKEN: token ms)
#   lab_cluster_down                         stop halod, Pacemaker and corosync, forget the CIB and
#                                            halod's configuration (next start is fresh)

# The remote command that takes r0 down and forgets it (metadata wiped, resource file gone) on a
# node where it exists, and does nothing elsewhere: the DRBD part of the tests' cleanups, alone
# or inside a larger remote script.
LAB_DRBD_R0_FORGET='if [ -e /etc/drbd.d/r0.res ]; then drbdadm down r0; drbdadm -- --force wipe-md r0; rm /etc/drbd.d/r0.res; fi'

# lab_drbd_res NAME DISK [PORT] [MINOR] [FENCE UNFENCE] — DRBD 8.4 syntax (the guests' kernel has
# DRBD 8.4.11). With the two handler commands: `fencing resource-and-stonith`, FENCE as the
# fence-peer handler and UNFENCE as the after-resync-target handler that lifts the fencing.
# LAB_DRBD_NET: more net options (e.g. the e2e scenario's faster dead-peer detection).
lab_drbd_res() {
    local name=$1 disk=$2 port=${3:-7789} minor=${4:-0} fence=${5:-} unfence=${6:-} fencing="" handlers=""
    if [ -n "$fence" ]; then
        fencing="fencing resource-and-stonith; "
        handlers="
  handlers { fence-peer \"$fence\"; after-resync-target \"$unfence\"; }"
    fi
    cat <<EOF
resource $name {
  protocol C;
  device /dev/drbd$minor;
  disk $disk;
  meta-disk internal;$handlers
  disk { ${fencing}c-plan-ahead 0; resync-rate 100M; }
  net { cram-hmac-alg sha1; shared-secret "halolab";${LAB_DRBD_NET:+ $LAB_DRBD_NET} }
  on node1 { address $LAB_REPL_NET.${LAB_N[node1]}:$port; }
  on node2 { address $LAB_REPL_NET.${LAB_N[node2]}:$port; }
}
EOF
}

# lab_drbd_r0_up RESFILE [primary] — r0 from RESFILE on both storage nodes: metadata, up,
# Connected, one current UUID without the initial sync (the disks are empty); with "primary",
# node1 promoted. Each step a lab_expect.
lab_drbd_r0_up() {
    local res=$1 vm
    for vm in "${LAB_NODES[@]}"; do
        lab_copy "$vm" "$res" /etc/drbd.d/r0.res
        lab_expect "$vm: DRBD r0 on /dev/vdb" lab_sh "$vm" 'drbdadm create-md --force r0 >/dev/null 2>&1 && drbdadm up r0'
    done
    lab_wait_until 60 "r0 Connected" lab_sh node1 '[ "$(drbdadm cstate r0)" = Connected ]'
    if [ "${2:-}" = primary ]; then
        lab_expect "node1: skip the initial sync, promote" \
            lab_sh node1 'drbdadm -- --clear-bitmap new-current-uuid r0 && sleep 1 && drbdadm primary r0'
    else
        lab_expect "node1: skip the initial sync" lab_ssh node1 drbdadm -- --clear-bitmap new-current-uuid r0
    fi
}

# The lab's corosync.conf: knet over the management (link 0) and replication (link 1) networks,
# two_node quorum. One key per line (corosync's parser rejects `node { name: x nodeid: 1 }`).
lab_corosync_conf() {
    cat <<EOF
# corosync.conf of the halo lab (written by lab/cluster.sh)
totem {
    version: 2
    cluster_name: halolab
    transport: knet
    token: ${LAB_CLUSTER_TOKEN:-3000}
    crypto_cipher: aes256
    crypto_hash: sha256
}
nodelist {
EOF
    local vm id=1
    for vm in "${LAB_NODES[@]}"; do
        cat <<EOF
    node {
        name: $vm
        nodeid: $id
        ring0_addr: $LAB_MGMT_NET.${LAB_N[$vm]}
        ring1_addr: $LAB_REPL_NET.${LAB_N[$vm]}
    }
EOF
        id=$((id + 1))
    done
    cat <<EOF
}
quorum {
    provider: corosync_votequorum
    two_node: 1
}
logging {
    to_logfile: yes
    logfile: /var/log/corosync/corosync.log
    to_syslog: yes
    timestamp: on
}
EOF
}

# Number of nodes Pacemaker reports online, as seen from node1 (0 if it cannot tell).
lab_cluster_online_count() {
    lab_sh node1 "crm_mon -1 --output-as=xml 2>/dev/null | xmllint --xpath 'count(//nodes/node[@online=\"true\"])' - 2>/dev/null" </dev/null || echo 0
}

lab_cluster_all_online() { [ "$(lab_cluster_online_count)" = "${#LAB_NODES[@]}" ]; }

# lab_corosync_up — the lab's corosync.conf and a new authkey on both storage nodes, corosync
# started there (and nothing else: the halod profile starts halod itself).
lab_corosync_up() {
    local conf key vm
    conf=$(mktemp) key=$(mktemp)
    lab_corosync_conf >"$conf"
    head -c 256 /dev/urandom >"$key"
    for vm in "${LAB_NODES[@]}"; do
        lab_copy "$vm" "$conf" /etc/corosync/corosync.conf
        lab_copy "$vm" "$key" /etc/corosync/authkey
        lab_ssh "$vm" chmod 0400 /etc/corosync/authkey
    done
    rm -f "$conf" "$key"
    for vm in "${LAB_NODES[@]}"; do
        lab_ssh "$vm" systemctl start corosync </dev/null &
    done
    wait
}

# lab_cluster_up — bring up the 2-node cluster with the fence device `fence-lab`
# (stonith:fence_halolab, pcmk_host_list="node1 node2") and stonith-enabled=true.
lab_cluster_up() {
    local vm
    lab_corosync_up
    for vm in "${LAB_NODES[@]}"; do
        lab_ssh "$vm" systemctl start pacemaker </dev/null &
    done
    wait
    lab_wait_until 240 "both nodes online in Pacemaker" lab_cluster_all_online
    # LAB_CLUSTER_FENCE=none: the caller's configuration brings its own fence devices.
    if [ "${LAB_CLUSTER_FENCE:-}" = none ]; then
        lab_ssh node1 crm_attribute -t crm_config -n stonith-enabled -v true </dev/null
        return 0
    fi
    lab_ssh node1 cibadmin --create -o resources --xml-text \
        '<primitive id="fence-lab" class="stonith" type="fence_halolab">
           <instance_attributes id="fence-lab-ia">
             <nvpair id="fence-lab-hosts" name="pcmk_host_list" value="node1 node2"/>
           </instance_attributes>
           <operations><op id="fence-lab-monitor" name="monitor" interval="60s"/></operations>
         </primitive>' </dev/null
    lab_ssh node1 crm_attribute -t crm_config -n stonith-enabled -v true </dev/null
    lab_wait_until 120 "fence device fence-lab registered on node1" \
        lab_sh node1 'stonith_admin --list-registered | grep -qw fence-lab'
}

# lab_cluster_down — stop halod, Pacemaker and corosync on the storage nodes that run them and
# remove the CIB and halod's configuration, so that a later start begins from nothing (and halod,
# enabled by its package, does not start at the next boot).
lab_cluster_down() {
    local vm
    for vm in "${LAB_NODES[@]}"; do
        lab_sh "$vm" 'systemctl stop halod 2>/dev/null; systemctl stop pacemaker corosync; rm -f /var/lib/pacemaker/cib/* /etc/halo/halod.toml' </dev/null &
    done
    wait
}
