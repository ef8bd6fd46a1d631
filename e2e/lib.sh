# e2e/lib.sh — the end-to-end scenario of issue 8 in the VM lab: storage preparation, the
# Pacemaker configuration of either stack, the initiator, the verifying writer, the events and
# their measurements. Sourced by e2e/run; builds on lab/lib.sh (guests, ssh, cluster helpers).
source "$(dirname "${BASH_SOURCE[0]}")/../lab/lib.sh"
E2E_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_LUNS=(1 2)
E2E_HOME_ALL=                                      # e2e/run --home NODE: every LUN prefers NODE
declare -A E2E_DISK E2E_HOME
E2E_PORTAL_VLAN=24                                 # the client logs in through VLAN 24's portal
E2E_VLANS=(24 25 26 27 28 29)                      # every LUN's portal has an address on each (MTU 9000)
e2e_portal() { echo "198.19.$E2E_PORTAL_VLAN.$((50 + $1))"; }
e2e_iqn() { echo "iqn.2026-11.lab.test:lun$1"; }
e2e_other() { [ "$1" = node1 ] && echo node2 || echo node1; }

# e2e_layout — each LUN's backing disk and home node, from E2E_LUNS (and E2E_HOME_ALL). LUNs 1
# and 2 alone: the seed layout scaled to the lab, LUN 1 on /dev/vdb preferring node1, LUN 2 on
# /dev/vdc preferring node2. More LUNs (the scale runs): every LUN on a slice of its own of the
# two disks (a device-mapper linear device, /dev/mapper/e2e-diskN: odd LUNs on vdb, even on vdc),
# and every LUN's home is node1 unless --home says otherwise.
E2E_SLICES=0
e2e_layout() {
    local n max=0
    for n in "${E2E_LUNS[@]}"; do [ "$n" -gt "$max" ] && max=$n; done
    [ "$max" -gt 2 ] && E2E_SLICES=1
    for n in "${E2E_LUNS[@]}"; do
        if [ $E2E_SLICES = 1 ]; then
            E2E_DISK[$n]=/dev/mapper/e2e-disk$n
            E2E_HOME[$n]=${E2E_HOME_ALL:-node1}
        else
            E2E_DISK[$n]=$([ "$n" = 1 ] && echo /dev/vdb || echo /dev/vdc)
            E2E_HOME[$n]=${E2E_HOME_ALL:-$([ "$n" = 1 ] && echo node1 || echo node2)}
        fi
    done
}
e2e_layout

# e2e_slices_up VM — the scale runs' slices on VM (after a boot too: device-mapper tables do not
# survive one): each disk cut into as many equal parts as the largest LUN number needs, LUN N on
# part (N+1)/2 of vdb (odd N) or N/2 of vdc (even N). Nothing without slices.
e2e_slices_up() {
    [ $E2E_SLICES = 1 ] || return 0
    local vm=$1 n max=0 per
    for n in "${E2E_LUNS[@]}"; do [ "$n" -gt "$max" ] && max=$n; done
    per=$(( (max + 1) / 2 ))
    lab_sh "$vm" "set -e
        size=\$(blockdev --getsz /dev/vdb); part=\$((size / $per))
        for n in ${E2E_LUNS[*]}; do
            dmsetup info e2e-disk\$n >/dev/null 2>&1 && continue
            if [ \$((n % 2)) = 1 ]; then disk=/dev/vdb i=\$(( (n - 1) / 2 )); else disk=/dev/vdc i=\$(( n / 2 - 1 )); fi
            dmsetup create e2e-disk\$n --table \"0 \$part linear \$disk \$((i * part))\"
        done" </dev/null
}

# --- storage -----------------------------------------------------------------------------------

# The DRBD 8.4 resource of LUN N on its LUKS mapping, with the fence-peer handlers of STACK
# (halo's handler asks halod when its control socket is there, else Pacemaker's CIB).
e2e_drbd_res() {
    local n=$1 stack=$2 fence unfence
    if [ "$stack" != established ]; then
        fence="/usr/lib/halo/halo-agent drbd-fence-peer" unfence="/usr/lib/halo/halo-agent drbd-unfence-peer"
    else
        fence="/usr/lib/drbd/crm-fence-peer.sh" unfence="/usr/lib/drbd/crm-unfence-peer.sh"
    fi
    LAB_DRBD_NET=$E2E_DRBD_NET lab_drbd_res "lun$n" "/dev/mapper/crypt-lun$n" "$((7790 + n))" "$n" "$fence" "$unfence"
}
# e2e_drbd_helper STACK — DRBD's usermode helper for STACK: halo's (docs/drbd.md,
# "halo-drbd-helper": halo's handlers without drbdadm and sh before them) for halo's stacks,
# DRBD's own drbdadm for the established one (halo's would only add a program before it).
e2e_drbd_helper() { if [ "$1" != established ]; then echo /usr/lib/halo/halo-drbd-helper; else echo /sbin/drbdadm; fi; }

# DRBD learns that a peer died from its own ping: every ping-int seconds (10 by default) when idle,
# answered within ping-timeout. Until then a Secondary still shows the dead peer as Primary (the
# promote waits), and a Primary's writes wait on the peer (then freeze for the fence-peer
# handler): 10-12 s of every crash and link cut in the lab before. Same for both stacks.
E2E_DRBD_NET=${E2E_DRBD_NET-"ping-int 2; ping-timeout 10;"}

# e2e_teardown — everything the scenario made, gone from every guest that is up: the client's
# sessions and writers, the cluster (CIB forgotten), DRBD resources, LUKS mappings and headers, LIO
# configuration, portal addresses. Safe to run at any point, also before the first prepare.
e2e_teardown() {
    local vm
    lab_sh client "pkill -TERM -x halo-writer; iscsiadm -m node --logoutall=all; iscsiadm -m node -o delete; true" \
        </dev/null >/dev/null 2>&1 || true
    lab_cluster_down >/dev/null 2>&1 || true
    for vm in "${LAB_NODES[@]}"; do
        # Every LUN's leftovers, also of a run with other LUNs than this one.
        lab_sh "$vm" "for res in /etc/drbd.d/lun*.res; do
                [ -e \$res ] || continue
                r=\${res##*/}; drbdadm down \${r%.res} 2>/dev/null; rm -f \$res
            done
            for m in /dev/mapper/crypt-lun*; do [ -e \$m ] && cryptsetup close \${m##*/} 2>/dev/null; done
            targetcli clearconfig confirm=True >/dev/null 2>&1
            for v in ${E2E_VLANS[*]}; do ip link del trunk.\$v 2>/dev/null; done
            for d in /dev/mapper/e2e-disk*; do [ -e \$d ] && wipefs -q -a -f \$d && dmsetup remove \${d##*/}; done
            wipefs -q -a -f /dev/vdb /dev/vdc; rm -rf /etc/halo/keys; true" </dev/null >/dev/null 2>&1 &
    done
    wait
}

# e2e_prepare STACK — on both storage nodes: keys, LUKS on each LUN's disk (vdb/vdc, or its
# slice), DRBD metadata, one initial UUID without a full sync (the disks are empty); everything
# closed again for Pacemaker.
e2e_prepare() {
    local stack=$1 vm n res disks=""
    for n in "${E2E_LUNS[@]}"; do disks+=" [$n]=${E2E_DISK[$n]}"; done
    for vm in "${LAB_NODES[@]}"; do
        for n in "${E2E_LUNS[@]}"; do
            res=$(mktemp); e2e_drbd_res "$n" "$stack" >"$res"; lab_copy "$vm" "$res" "/etc/drbd.d/lun$n.res"; rm -f "$res"
        done
        e2e_slices_up "$vm"
        lab_sh "$vm" "set -e
            modprobe -a drbd dm_crypt target_core_mod iscsi_target_mod target_core_iblock
            printf %s $(e2e_drbd_helper "$stack") >/sys/module/drbd/parameters/usermode_helper
            sysctl -qw net.ipv4.ip_nonlocal_bind=1 net.ipv6.ip_nonlocal_bind=1
            rm -f /etc/drbd.d/r0.res
            mkdir -p /etc/halo/keys && chmod 700 /etc/halo /etc/halo/keys
            declare -A disk=($disks)
            for n in ${E2E_LUNS[*]}; do
                key=/etc/halo/keys/lun\$n.key
                head -c 32 /dev/urandom > \$key && chmod 600 \$key
                cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 \${disk[\$n]} \$key
                cryptsetup open --key-file \$key \${disk[\$n]} crypt-lun\$n
                drbdadm create-md --force lun\$n >/dev/null 2>&1
                drbdadm up lun\$n
            done" </dev/null &
    done
    wait
    for n in "${E2E_LUNS[@]}"; do
        lab_wait_until 60 "lun$n connected" lab_sh node1 "drbdadm cstate lun$n | grep -q Connected"
        lab_ssh node1 drbdadm -- --clear-bitmap new-current-uuid "lun$n" </dev/null
    done
    for vm in "${LAB_NODES[@]}"; do
        lab_sh "$vm" "for n in ${E2E_LUNS[*]}; do drbdadm down lun\$n; cryptsetup close crypt-lun\$n; done" </dev/null &
    done
    wait
}

# --- cluster -----------------------------------------------------------------------------------

# e2e_configure STACK — corosync tuned for fast detection, Pacemaker with fence_halolab, the
# stack's configuration; waits until each LUN is served from its home node.
# e2e_wait_until — lab_wait_until that returns 1 on timeout instead of ending the run.
e2e_wait_until() { ( lab_wait_until "$@" ); }

# e2e_configure STACK DIR — returns 1 (with the cluster's view in DIR/configure-failure.txt)
# when a LUN is not served within 20 minutes.
e2e_configure() {
    local stack=$1 dir=$2
    if [ "$stack" = halod ]; then e2e_configure_halod "$dir"; return; fi
    LAB_CLUSTER_TOKEN=${E2E_TOKEN:-1000} LAB_CLUSTER_FENCE=none lab_cluster_up
    mkdir -p "$dir"
    e2e_crm_for_luns "$E2E_DIR/$stack.crm" >"$dir/configuration.crm"
    lab_copy node1 "$dir/configuration.crm" /root/stack.crm
    lab_ssh node1 crm configure load update /root/stack.crm </dev/null
    lab_wait_until 180 "fence-node1 runs on node2, fence-node2 on node1" \
        lab_sh node1 "crm_mon -1 | grep -q 'fence-node1.*Started node2' && crm_mon -1 | grep -q 'fence-node2.*Started node1'"
    local n
    for n in "${E2E_LUNS[@]}"; do
        # Served first wherever Pacemaker promoted it: both nodes' DRBD come up at once, and a
        # node whose start finished first may get the promotion (then stickiness, 100, outweighs
        # the home preference, 50): moved home afterwards, the way every event ends too.
        if ! e2e_wait_until 1200 "lun$n served ($stack)" e2e_served_anywhere "$n"; then
            mkdir -p "$dir"
            lab_sh node1 "crm_mon -1 -r -f; echo; crm_mon -1 --output-as=xml" </dev/null >"$dir/configure-failure.txt" 2>&1
            return 1
        fi
        e2e_move_home "$n"
    done
}

# e2e_crm_for_luns FILE — the crm configuration of the LUNs in E2E_LUNS, with their disks and
# homes (e2e/layout.py: the file's statements of each LUN, or LUN 1's renumbered; comments and
# the LUN-independent statements stay).
e2e_crm_for_luns() {
    local n args=()
    for n in "${E2E_LUNS[@]}"; do args+=(--disk "$n=${E2E_DISK[$n]}" --home "$n=${E2E_HOME[$n]}"); done
    python3 "$E2E_DIR/layout.py" "$1" --luns "$(IFS=,; echo "${E2E_LUNS[*]}")" "${args[@]}"
}

# The storage node that answers for the cluster (node1 but while it is down after a crash).
E2E_OBSERVER=node1

# --- the halod profile: corosync + halod + halo's agents, no Pacemaker ------------------------------

# The stack being run (e2e/run sets it): halo or established under Pacemaker, halod alone.
E2E_STACK=halo

# e2e_halod VM REQUEST — one request (a JSON line) on VM's halod control socket; prints its
# one-line answer. python3 in the guest (the image has no socat); 20 s at most (halod answers a
# request the cluster cannot decide within 15 s with that failure).
E2E_HALOD_CLIENT='import socket, sys
s = socket.socket(socket.AF_UNIX)
s.settimeout(20)
s.connect("/run/halo/halod.sock")
s.sendall(sys.argv[1].encode() + b"\n")
sys.stdout.write(s.makefile().readline())'
e2e_halod() { lab_ssh "$1" python3 -c "$E2E_HALOD_CLIENT" "$2" </dev/null; }

# e2e_halod_ask QUESTION [N] — e2e/halod.py's answer from the observer's halod status.
e2e_halod_ask() { e2e_halod "$E2E_OBSERVER" '{"version":1,"command":"status"}' | python3 "$E2E_DIR/halod.py" "$@" 2>/dev/null; }

# e2e_halod_request VM move N NODE | drain NODE | undrain NODE — an operator's request to halod
# on VM, as `haloctl` sends it; succeeds when halod accepted it (the answer says ok), else says why.
e2e_halod_request() {
    local vm=$1 command=$2 request answer
    case $command in
        move) request="{\"version\":1,\"command\":\"move\",\"lun\":\"lun$3\",\"node\":\"$4\"}" ;;
        *) request="{\"version\":1,\"command\":\"$command\",\"node\":\"$3\"}" ;;
    esac
    answer=$(e2e_halod "$vm" "$request")
    [[ $answer == *'"ok":true'* ]] && return 0
    lab_warn "halod on $vm: $command ${*:3}: ${answer:-no answer}"
    return 1
}

# Both storage nodes are members of halod's group, in sync and running (the observer's view).
e2e_halod_all_in_sync() { [ "$(e2e_halod_ask members)" = "${#LAB_NODES[@]}" ]; }

# e2e_halod_toml — halod's configuration of the run's LUNs: the stacks of e2e/halo.crm (LUKS on
# every node → DRBD promoted where the LUN is served → LIO target → portal addresses on six VLANs,
# MTU 9000) with the same monitors and timeouts, the same fencing (fence_halolab, power off: the
# node stays down until the harness powers it on), each LUN preferring its home. The portal is
# listed after the target (docs/halod.md, "the order of a stack"): a stop removes the addresses
# before the target ends its sessions, so no FIN reaches the initiator and it does not try the
# old node again (a reset there costs it 3 s); the new node brings the addresses up once its
# target listens and then tickles the initiator's old connection, which fails at once, and with
# DefaultTime2Wait 0 the initiator logs in right away.
e2e_halod_toml() {
    local n v portals addresses vm id=1
    cat <<EOF
# halod.toml of the halo e2e scenario (written by e2e/lib.sh; docs/halod.md explains every setting)
[cluster]
name = "halolab"
failback = false
no_quorum_policy = "stop"

[local]
control_socket = "/run/halo/halod.sock"

[fence_device.lab]
agent = "fence_halolab"
action = "off"
timeout = "60s"
EOF
    for vm in "${LAB_NODES[@]}"; do
        printf '\n[[node]]\nname = "%s"\nid = %d\nfence = [["lab"]]\n' "$vm" "$id"
        id=$((id + 1))
    done
    for n in "${E2E_LUNS[@]}"; do
        portals="" addresses=""
        for v in "${E2E_VLANS[@]}"; do
            portals+=" 198.19.$v.$((50 + n))" addresses+=" 198.19.$v.$((50 + n))/24@trunk.$v"
        done
        cat <<EOF

[[lun]]
name = "lun$n"
nodes = ["${E2E_HOME[$n]}", "$(e2e_other "${E2E_HOME[$n]}")"]

[[lun.resource]]
id = "luks-lun$n"
agent = "ocf:halo:luks"
role = "everywhere"
params = { device = "${E2E_DISK[$n]}", name = "crypt-lun$n", key = "/etc/halo/keys/lun$n.key" }
monitor = [{ interval = "30s", timeout = "20s" }]

[[lun.resource]]
id = "drbd-lun$n"
agent = "ocf:halo:drbd"
role = "promotable"
params = { resource = "lun$n" }
monitor = [{ interval = "10s", timeout = "20s" }]
timeouts = { start = "240s", stop = "100s", promote = "90s", demote = "90s" }

[[lun.resource]]
id = "target-lun$n"
agent = "ocf:halo:lio"
params = { iqn = "$(e2e_iqn "$n")", device_name = "lun$n", backing = "/dev/drbd$n", allowed_portals = "${portals# }", initiators = "iqn.2026-11.lab.test:client", session_parameters = "DefaultTime2Wait=0" }
monitor = [{ interval = "10s", timeout = "20s" }]

[[lun.resource]]
id = "portal-lun$n"
agent = "ocf:halo:portal"
params = { addresses = "${addresses# }", mtu = 9000 }
monitor = [{ interval = "10s", timeout = "20s" }]
EOF
    done
}

# e2e_halod_unit VM — halod's systemd unit on VM: the package's (installed with it), or, where
# halo was copied in as a tree (e2e/run without packages, the demo), the same file from the repo.
e2e_halod_unit() {
    lab_ssh "$1" systemctl cat halod.service </dev/null >/dev/null 2>&1 && return 0
    lab_copy "$1" "$LAB_REPO/Packaging/debian/halod.service" /etc/systemd/system/halod.service
    lab_ssh "$1" systemctl daemon-reload </dev/null
}

# e2e_configure_halod DIR — corosync alone (the token of the Pacemaker profile), halod with the
# run's configuration (DIR/halod.toml, checked by `halod --check` on each node) on both nodes;
# waits until each LUN is served (then at home). Returns 1 with halod's view in
# DIR/configure-failure.txt when a LUN is not served within 20 minutes.
e2e_configure_halod() {
    local dir=$1 vm n
    mkdir -p "$dir"
    LAB_CLUSTER_TOKEN=${E2E_TOKEN:-1000} lab_corosync_up
    e2e_halod_toml >"$dir/halod.toml"
    for vm in "${LAB_NODES[@]}"; do
        e2e_halod_unit "$vm"
        lab_copy "$vm" "$dir/halod.toml" /etc/halo/halod.toml
        lab_sh "$vm" "chmod 0600 /etc/halo/halod.toml && halod --check >/dev/null" </dev/null ||
            lab_die "$vm: halod --check refuses the e2e configuration ($dir/halod.toml)"
    done
    for vm in "${LAB_NODES[@]}"; do lab_ssh "$vm" systemctl start halod </dev/null & done
    wait
    E2E_OBSERVER=node1
    for n in "${E2E_LUNS[@]}"; do
        if ! e2e_wait_until 1200 "lun$n served (halod)" e2e_served_anywhere "$n"; then
            e2e_cluster_view >"$dir/configure-failure.txt" 2>&1
            return 1
        fi
        e2e_move_home "$n"
    done
}

# e2e_crm COMMAND N — e2e/crm.py's answer about LUN N from crm_mon's XML on the observer:
# served-where (the node where all of LUN N's target and portal resources run, or nothing),
# promoted (where its DRBD is Promoted), summary (a line for a person).
e2e_crm() {
    lab_sh "$E2E_OBSERVER" "crm_mon -1 --output-as=xml 2>/dev/null" </dev/null | python3 "$E2E_DIR/crm.py" "$@" 2>/dev/null
}
# The same questions of halod (the halod profile, E2E_STACK=halod): e2e/halod.py's answer from
# halod's status on the observer.
e2e_ask() { if [ "$E2E_STACK" = halod ]; then e2e_halod_ask "$@"; else e2e_crm "$@"; fi; }
e2e_served_where() { e2e_ask served-where "$1"; }
e2e_served_on() { [ "$(e2e_served_where "$1")" = "$2" ]; }
e2e_served_anywhere() { [ -n "$(e2e_served_where "$1")" ]; }

# --- initiator ---------------------------------------------------------------------------------

# e2e_login — the client logs in to each LUN's target through its VLAN-24 portal, and the
# verifying writer is copied over. Prints nothing; sets E2E_DEV[n] to the client's disk.
# E2E_NOOP=INTERVAL/TIMEOUT sets the sessions' NOP-Out timers (open-iscsi's default is 5/5).
# The sessions offer DefaultTime2Wait 0, as docs/initiator-timeouts.md recommends (the targets
# offer 0 too; the larger offer wins): E2E_T2W=2 measures open-iscsi's default instead.
declare -A E2E_DEV
e2e_login() {
    local n node settings=""
    lab_copy client "${HALO_WRITER:?HALO_WRITER: path of the halo-writer binary}" /usr/local/bin/halo-writer
    lab_sh client "systemctl start iscsid" </dev/null
    for n in "${E2E_LUNS[@]}"; do
        node="iscsiadm -m node -T $(e2e_iqn "$n") -p $(e2e_portal "$n"):3260"
        settings="$node -o update -n node.session.iscsi.DefaultTime2Wait -v ${E2E_T2W:-0} &&"
        [ -z "${E2E_NOOP:-}" ] ||
            settings+=" $node -o update -n 'node.conn[0].timeo.noop_out_interval' -v ${E2E_NOOP%/*} &&
                $node -o update -n 'node.conn[0].timeo.noop_out_timeout' -v ${E2E_NOOP#*/} &&"
        lab_sh client "iscsiadm -m discovery -t st -p $(e2e_portal "$n") >/dev/null && $settings
            $node --login >/dev/null" </dev/null
    done
    for n in "${E2E_LUNS[@]}"; do
        lab_wait_until 60 "client sees lun$n's disk" e2e_find_disk "$n"
        E2E_DEV[$n]=$(e2e_find_disk "$n")
    done
    e2e_check_jumbo
}

# e2e_check_jumbo — MTU 9000 end to end: from the client, an 8972-byte ping that must not be
# fragmented reaches every portal address of every LUN (each VLAN, through the trunk bridge and
# both guests' VLAN interfaces); ends the run naming the first address that does not answer.
e2e_check_jumbo() {
    local n v addresses=()
    for n in "${E2E_LUNS[@]}"; do for v in "${E2E_VLANS[@]}"; do addresses+=("198.19.$v.$((50 + n))"); done; done
    local failed
    failed=$(lab_sh client "for a in ${addresses[*]}; do ping -q -n -c 1 -W 3 -M do -s 8972 \$a >/dev/null 2>&1 || echo \$a; done" </dev/null)
    [ -z "$failed" ] || lab_die "MTU 9000 end to end: no answer to 8972-byte unfragmented pings from $(echo $failed)"
    lab_say "MTU 9000 end to end: 8972-byte unfragmented pings answered by all ${#addresses[@]} portal addresses (${#E2E_LUNS[@]} LUNs × ${#E2E_VLANS[@]} VLANs)"
}

e2e_find_disk() {
    local disk
    disk=$(lab_sh client "iscsiadm -m session -P3 2>/dev/null" </dev/null | awk -v iqn="$(e2e_iqn "$1")" '
        /^Target: / { current = $2 } /Attached scsi disk/ && current == iqn { print $4; exit }')
    [ -n "$disk" ] && echo "/dev/$disk"
}

e2e_logout() { lab_sh client "iscsiadm -m node --logoutall=all >/dev/null 2>&1; iscsiadm -m node -o delete >/dev/null 2>&1; true" </dev/null; }

# --- the writer --------------------------------------------------------------------------------

# Paced at one write per 20 ms per LUN (E2E_WRITE_INTERVAL_MS): an unpaced writer keeps the three
# TCG guests, which share two host cores, saturated and stretches every cluster action several
# times over; the stall is still measured to within 20 ms.
e2e_writer_start() {
    local n=$1
    lab_sh client "rm -f /root/writer-lun$n.log; setsid halo-writer write ${E2E_DEV[$n]} /root/writer-lun$n.log --tag LUN$n \
        --blocks 4096 --interval ${E2E_WRITE_INTERVAL_MS:-20} </dev/null >/dev/null 2>&1 & echo \$! > /root/writer-lun$n.pid" </dev/null
}

# e2e_writer_stop N — stop the writer, verify every acknowledged write; prints the JSON verdict
# and returns halo-writer verify's exit status (1: a block lost, corrupt, of another tag or
# unreadable, or nothing could be read).
e2e_writer_stop() {
    local n=$1
    lab_sh client "kill -TERM \$(cat /root/writer-lun$n.pid); while kill -0 \$(cat /root/writer-lun$n.pid) 2>/dev/null; do sleep 0.2; done
        halo-writer verify ${E2E_DEV[$n]} /root/writer-lun$n.log --tag LUN$n" </dev/null
}

# e2e_writer_finish N DIR — stop LUN N's writer and keep its evidence: the read-back verdict
# (DIR/verify-lunN.json), verify's exit status (DIR/verify-lunN.exit) and the whole writer log,
# every acknowledged write with its times (DIR/writer-lunN.log.gz; analyze.py measures the
# stall from it). Returns non-zero when any of them could not be kept; analyze.py judges what is there.
e2e_writer_finish() {
    local n=$1 dir=$2 status
    e2e_writer_stop "$n" >"$dir/verify-lun$n.json"
    status=$?
    echo "$status" >"$dir/verify-lun$n.exit"
    lab_ssh client gzip -c "/root/writer-lun$n.log" </dev/null >"$dir/writer-lun$n.log.gz" || return 1
    return "$status"
}

# e2e_watch N NODE TRIGGER — the demo's view of a failover as it happens: a line whenever what
# Pacemaker reports for LUN N, or what the client's writer on it is doing, changes (seconds after
# TRIGGER, the host's time); returns once LUN N is served from NODE and its writes go through
# again, ends the run after 900 s.
e2e_watch() {
    local n=$1 node=$2 trigger=$3 shown="" line writer cluster
    while :; do
        # crm_mon first: it takes seconds under TCG, the writer's state a fraction, and the line
        # is printed when both are read.
        cluster=$(e2e_ask summary "$n")
        writer=$(e2e_writer_state "$n")
        line="$cluster; $writer"
        [ "$line" = "$shown" ] || { e2e_watch_line "$trigger" "LUN $n: $line"; shown=$line; }
        [ "$writer" = "$E2E_WRITING" ] && [ "$(e2e_served_where "$n")" = "$node" ] && return 0
        [ "$(echo "$(date +%s.%N) - $trigger > 900" | bc -l)" = 1 ] && lab_die "LUN $n not served from $node within 900 s"
    done
}
e2e_watch_line() { printf '  %+6.1f s  %s\n' "$(echo "$(date +%s.%N) - $1" | bc -l)" "$2" >&2; }

# e2e_writer_state N — what LUN N's writer is doing now, from its log's last line against the
# client's clock: $E2E_WRITING (its last write, acknowledged, is less than a second old), waiting
# for a write, or failing writes.
E2E_WRITING="the client's writes go through"
e2e_writer_state() {
    local now kind rest real
    { read -r now; read -r kind _ _ _ real rest; } < <(lab_ssh client sh -c 'date +%s%N; tail -n 1 "$1"' sh \
        "/root/writer-lun$1.log" </dev/null)
    if [ "$kind" = E ]; then echo "the client's writes fail"
    elif [ "$kind" = A ] && [ $(( (now - real) / 1000000 )) -lt 1000 ]; then echo "$E2E_WRITING"
    else echo "the client waits for a write"; fi
}

# Acknowledged writes so far (the log's A lines).
e2e_acks() { lab_sh client "grep -c '^A' /root/writer-lun$1.log" </dev/null; }
# e2e_acks_above N COUNT — LUN N's writer has more than COUNT acknowledged writes.
e2e_acks_above() { [ "$(e2e_acks "$1")" -gt "$2" ]; }

# --- clocks ------------------------------------------------------------------------------------

# e2e_offset VM — host clock minus the guest's, in seconds, from the fastest of 5 round trips
# (guests have no NTP; the error is half that round trip).
e2e_offset() {
    local vm=$1 best=999 offset=0 i t0 g t1 rtt
    for i in 1 2 3 4 5; do
        t0=$(date +%s.%N); g=$(lab_ssh "$vm" date +%s.%N </dev/null); t1=$(date +%s.%N)
        rtt=$(echo "$t1 - $t0" | bc -l)
        if [ "$(echo "$rtt < $best" | bc -l)" = 1 ]; then
            best=$rtt; offset=$(echo "($t0 + $t1) / 2 - $g" | bc -l)
        fi
    done
    printf '%.3f %.3f\n' "$offset" "$(echo "$best / 2" | bc -l)"
}

# --- observation during an event -----------------------------------------------------------------

# The records of both storage nodes, streamed to the host as they happen by e2e/record.py (one
# host process per stream), so that a node killed during the event leaves its record up to its
# death: DIR/events2-VM.txt (`drbdsetup events2 --timestamps all`: the Primary intervals) and
# DIR/kernel-VM.txt (the kernel's new messages: split-brain). The harness marks the kernel
# records' beginning and end in each kernel log (/dev/kmsg), so a record that shows both marks
# was live for the whole event; analyze.py judges the records, this only collects them.
E2E_RECORDERS=()
E2E_KERNEL_MARK="halo-e2e: kernel record"
# The kernel recorder's program (python3 -c in the guest: nothing to install there).
E2E_KMSG_FOLLOW=$(<"$E2E_DIR/kmsg_follow.py")

# e2e_record_start DIR — start the four recorders; wait (bounded) until each stream is live.
e2e_record_start() {
    local dir=$1 vm
    for vm in "${LAB_NODES[@]}"; do
        e2e_recorder "$dir/events2-$vm.txt" "$vm" timeout 3600 drbdsetup events2 --timestamps all
        # Not `dmesg --follow-new`, which waits for wake-ups a UML node once stopped giving
        # (e2e/kmsg_follow.py says more): the same lines, read every 0.1 s without one.
        e2e_recorder "$dir/kernel-$vm.txt" "$vm" timeout 3600 python3 -c "$E2E_KMSG_FOLLOW"
    done
    for vm in "${LAB_NODES[@]}"; do
        e2e_wait_for_line 60 "$dir/events2-$vm.txt" ' exists -$' ||
            lab_warn "$vm: no DRBD state in its record within 60 s (the event will not pass without it)"
        # The reader reads from where it opened /dev/kmsg: the mark must come after that.
        e2e_wait_for_line 60 "$dir/kernel-$vm.txt" '^# kmsg: following' ||
            lab_warn "$vm: its kernel recorder did not start within 60 s (the event will not pass without it)"
        e2e_kernel_mark "$vm" "$dir/kernel-$vm.txt" begins
    done
}

# e2e_recorder FILE VM ARGV... — record ARGV's output in VM to FILE (in the background).
e2e_recorder() {
    local out=$1 vm=$2 qemu; shift 2
    qemu=$(lab_vm_pid "$vm") || qemu=0
    lab_ssh_command "$vm" "$@"
    python3 "$E2E_DIR/record.py" "$vm" "$qemu" "$out" -- "${LAB_SSH_COMMAND[@]}" </dev/null &
    E2E_RECORDERS+=($!)
}

# e2e_kernel_mark VM FILE begins|ends — write the mark into VM's kernel log and wait until its
# record shows it (30 s at most; a record without it fails the event's analysis).
e2e_kernel_mark() {
    local vm=$1 file=$2 which=$3
    lab_ssh "$vm" sh -c "echo '$E2E_KERNEL_MARK $which' >/dev/kmsg" </dev/null ||
        { lab_warn "$vm: cannot mark its kernel record ($which)"; return 1; }
    e2e_wait_for_line 30 "$file" "$E2E_KERNEL_MARK $which" ||
        { lab_warn "$vm: its kernel record did not show the $which mark within 30 s"; return 1; }
}

# e2e_wait_for_line SECONDS FILE REGEX — FILE has a line matching REGEX within SECONDS.
e2e_wait_for_line() {
    local until=$((SECONDS + $1))
    while [ $SECONDS -lt $until ]; do
        grep -q -- "$3" "$2" 2>/dev/null && return 0
        sleep 0.5
    done
    return 1
}

# e2e_record_stop DIR — mark the end of the kernel records of the nodes that are up, then end
# every recorder (SIGTERM: each writes its "stopped" line) and wait for them.
e2e_record_stop() {
    local dir=$1 vm pid
    for vm in "${LAB_NODES[@]}"; do
        lab_vm_pid "$vm" >/dev/null && e2e_kernel_mark "$vm" "$dir/kernel-$vm.txt" ends
    done
    # A recorder whose stream already ended (its node died) has exited: nothing to signal.
    for pid in "${E2E_RECORDERS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
    for pid in "${E2E_RECORDERS[@]}"; do wait "$pid"; done
    E2E_RECORDERS=()
}

# Fetch both nodes' journals since EPOCH (cluster, DRBD, halo) to DIR/journal-VM.txt.
e2e_journals() {
    local dir=$1 since=$2 vm
    for vm in "${LAB_NODES[@]}"; do
        lab_sh "$vm" "journalctl -o short-unix --since @$since --no-pager 2>/dev/null | grep -E \
            'pacemaker-controld|pacemaker-fenced|corosync|kernel: drbd|kernel: (sd|scsi|iSCSI|TARGET)|halo|crm-fence|crypt|IPaddr2|iSCSI' " \
            </dev/null >"$dir/journal-$vm.txt" || true
    done
    # The initiator's side: when it noticed (NOP timeout, connection closed) and when it was
    # operational again, and the SCSI layer's view.
    lab_sh client "journalctl -o short-unix --since @$since --no-pager 2>/dev/null | grep -Ei \
        'iscsid|kernel: +(connection|session)[0-9]|kernel: sd [0-9]'" </dev/null >"$dir/journal-client.txt" || true
}

# e2e_salvage DIR — what an unfinished event leaves for the post-mortem: the writers stopped and
# their acknowledged writes verified (so lost or failed writes are counted even then), the
# writers' logs, the DRBD recordings, journals since the trigger, and the cluster's view.
e2e_salvage() {
    local dir=$1 n since
    for n in "${E2E_LUNS[@]}"; do
        [ -n "${E2E_DEV[$n]:-}" ] || continue
        e2e_writer_finish "$n" "$dir" 2>"$dir/verify-lun$n.err" || lab_warn "lun$n: its writer's evidence is incomplete"
    done
    e2e_record_stop "$dir"
    since=$(cut -d. -f1 "$dir/trigger.txt" 2>/dev/null || date +%s)
    e2e_journals "$dir" $((since - 60))
    e2e_cluster_view >"$dir/cluster-at-failure.txt" 2>&1 || true
}

# e2e_cluster_view — what the cluster manager says, for a person looking after a failure.
e2e_cluster_view() {
    if [ "$E2E_STACK" = halod ]; then
        e2e_halod "$E2E_OBSERVER" '{"version":1,"command":"status"}' | python3 -m json.tool
    else
        lab_sh "$E2E_OBSERVER" "crm_mon -1 -r -f; echo; crm_mon -1 --output-as=xml" </dev/null
    fi
}

# --- events --------------------------------------------------------------------------------------

# Where LUN N is promoted now (node name), from crm_mon XML on a node that is up.
e2e_promoted_node() { e2e_ask promoted "$1"; }

# Each event has an optional arm step (what to act on, found before the trigger time is taken,
# so that the measurement starts with the action itself) and the trigger.

# e2e_event_move N — the Pacemaker way: move LUN N's promoted instance to the other node.
e2e_arm_move() { E2E_EXPECT_NODE=$(e2e_other "$(e2e_promoted_node "$1")"); }
e2e_event_move() {
    if [ "$E2E_STACK" = halod ]; then e2e_halod_request node1 move "$1" "$E2E_EXPECT_NODE"; return; fi
    lab_ssh node1 crm_resource --move --promoted --resource "drbd-lun$1-clone" --node "$E2E_EXPECT_NODE" </dev/null >/dev/null
}
# Back home: clear the move's constraint and move LUN N back where it prefers to be (stickiness
# would keep it where it is), then clear again, so every event starts from the same placement.
e2e_restore_move() { e2e_move_home "$1"; }
e2e_move_home() {
    local n=$1
    if [ "$E2E_STACK" = halod ]; then
        # halod forgets a move once it is done: nothing to clear. A move is refused while the
        # home node cannot take the LUN (its copy resyncing after a crash or a cut): asked again.
        e2e_served_on "$n" "${E2E_HOME[$n]}" && return 0
        lab_wait_until 600 "halod accepts moving lun$n to ${E2E_HOME[$n]}" e2e_halod_request "$E2E_OBSERVER" move "$n" "${E2E_HOME[$n]}"
        lab_wait_until 600 "lun$n back on ${E2E_HOME[$n]}" e2e_served_on "$n" "${E2E_HOME[$n]}"
        return 0
    fi
    lab_ssh node1 crm_resource --clear --resource "drbd-lun$n-clone" </dev/null >/dev/null 2>&1 || true
    if ! e2e_served_on "$n" "${E2E_HOME[$n]}"; then
        lab_ssh node1 crm_resource --move --promoted --resource "drbd-lun$n-clone" --node "${E2E_HOME[$n]}" </dev/null >/dev/null
        lab_wait_until 600 "lun$n back on ${E2E_HOME[$n]}" e2e_served_on "$n" "${E2E_HOME[$n]}"
        lab_ssh node1 crm_resource --clear --resource "drbd-lun$n-clone" </dev/null >/dev/null 2>&1 || true
    fi
}

# e2e_event_drain — standby node1: both LUNs end on node2.
e2e_arm_drain() { E2E_EXPECT_NODE=node2; }
e2e_event_drain() {
    if [ "$E2E_STACK" = halod ]; then e2e_halod_request node2 drain node1; return; fi
    lab_ssh node2 crm_attribute --node node1 --name standby --update on </dev/null
}
e2e_restore_drain() {
    if [ "$E2E_STACK" = halod ]; then
        lab_wait_until 120 "halod undrains node1" e2e_halod_request node2 undrain node1
    else
        lab_ssh node2 crm_attribute --node node1 --name standby --update off </dev/null
    fi
    e2e_all_home
}
# Every LUN back where it prefers to be.
e2e_all_home() { local n; for n in "${E2E_LUNS[@]}"; do e2e_move_home "$n"; done; }

# --- haloctl and the packages: the operator's tool and an upgrade, under the same writers -------

# e2e_packaged VM — halo's packages are installed there (dpkg says so).
e2e_packaged() {
    [ "$(lab_ssh "$1" dpkg-query -W -f '${db:Status-Abbrev}' halo-agents </dev/null 2>/dev/null)" = "ii " ]
}

# haloctl on node1 reads node2's facts by running `haloctl facts` there over ssh (its default
# --remote): root's key between the storage nodes, as crmsh needs too. The lab's own key.
e2e_haloctl_ready() {
    local vm
    lab_ssh node1 test -x /usr/sbin/haloctl </dev/null ||
        lab_die "haloctl is not installed on node1 (the haloctl package: lab/tests/55-halo.sh with HALO_PACKAGES)"
    for vm in node1 node2; do
        lab_copy "$vm" "$LAB_RUN/id_ed25519" /root/.ssh/id_ed25519
        lab_sh "$vm" "chmod 0600 /root/.ssh/id_ed25519; grep -q halo-e2e-client /root/.ssh/config 2>/dev/null ||
            printf '# halo-e2e-client: the storage nodes know each other and the client (rehearse --client)\nHost node1 node2 client\n  StrictHostKeyChecking accept-new\n' >>/root/.ssh/config" </dev/null
    done
}

# e2e_haloctl_answer PREFIX ARGV... — haloctl on node1 with ARGV (--output json): its JSON into
# PREFIX.json, stderr into PREFIX.err, exit status into PREFIX.exit (analyze.py judges them).
e2e_haloctl_answer() {
    local prefix=$1 rc=0; shift
    lab_ssh node1 haloctl "$@" --output json </dev/null >"$prefix.json" 2>"$prefix.err" || rc=$?
    echo "$rc" >"$prefix.exit"
}

# e2e_haloctl DIR ARGV... — haloctl on node1 with ARGV (--output json): its JSON, stderr and exit
# status into DIR (haloctl.json, haloctl.err, haloctl.exit), what it may have left behind into
# DIR/constraints-after.txt (Pacemaker's constraints) or DIR/halod-after.json (halod's status:
# its moves in progress); analyze.py judges them.
e2e_haloctl() {
    local dir=$1 rc=0; shift
    lab_ssh node1 haloctl "$@" --output json </dev/null >"$dir/haloctl.json" 2>"$dir/haloctl.err" || rc=$?
    echo "$rc" >"$dir/haloctl.exit"
    if [ "$E2E_STACK" = halod ]; then
        e2e_halod node1 '{"version":1,"command":"status"}' >"$dir/halod-after.json" 2>&1 || true
    else
        lab_sh node1 "cibadmin --query --scope constraints" </dev/null >"$dir/constraints-after.txt" 2>&1 || true
    fi
    [ "$rc" = 0 ] || lab_warn "haloctl $* exited $rc: $(tail -n 3 "$dir/haloctl.err" | tr '\n' ' ')"
}

# e2e_event_haloctl_move N DIR — LUN N moved to the other node with haloctl (it plans, moves,
# waits until served and verified, and removes its constraint); haloctl status before, as the
# operator would look first.
e2e_arm_haloctl_move() {
    e2e_haloctl_ready
    E2E_EXPECT_NODE=$(e2e_other "$(e2e_promoted_node "$1")")
    local rc=0
    lab_ssh node1 haloctl status --output json </dev/null >"$2/haloctl-status-before.json" 2>"$2/haloctl-status-before.err" || rc=$?
    echo "$rc" >"$2/haloctl-status-before.exit"
}
e2e_event_haloctl_move() { e2e_haloctl "$2" move "lun$1" --to "$E2E_EXPECT_NODE"; }
e2e_restore_haloctl_move() {
    lab_ssh node1 haloctl move "lun$1" --to "${E2E_HOME[$1]}" </dev/null >"$2/haloctl-back.txt" 2>&1 ||
        lab_warn "haloctl could not move lun$1 back to ${E2E_HOME[$1]}: $(tail -n 2 "$2/haloctl-back.txt" | tr '\n' ' ')"
    e2e_all_home
}

# e2e_event_haloctl_health — check-health finds a setting broken on purpose, and the repair:
# node2's VLAN-29 interface set to MTU 1500 (every LUN has a portal address on VLAN 29; the client
# logs in on VLAN 24, so no session crosses it, and the portal monitors run at depth 0, which does
# not check MTUs). status and check-health before (status: both nodes' facts read, every LUN
# served), check-health with it broken (a portal.mtu warning for every LUN, exit 1), after the
# repair (as before); meanwhile haloctl refuses to move LUN 1 onto node2 (move --dry-run). Its
# own evidence: no writers (analyze.py, OWN_EVIDENCE).
E2E_HEALTH_VLAN=29
e2e_arm_haloctl_health() {
    e2e_haloctl_ready
    E2E_EXPECT_NODE=
    e2e_haloctl_answer "$2/status" status
    e2e_haloctl_answer "$2/health-before" check-health
}
e2e_event_haloctl_health() {
    local dir=$2
    echo "node2 trunk.$E2E_HEALTH_VLAN mtu 1500" >"$dir/broken.txt"
    lab_ssh node2 ip link set "trunk.$E2E_HEALTH_VLAN" mtu 1500 </dev/null
    e2e_haloctl_answer "$dir/health-broken" check-health
    e2e_haloctl_answer "$dir/move-refused" move lun1 --to node2 --dry-run
    lab_ssh node2 ip link set "trunk.$E2E_HEALTH_VLAN" mtu "$LAB_TRUNK_MTU" </dev/null
    e2e_haloctl_answer "$dir/health-after" check-health
}
e2e_restore_haloctl_health() {
    lab_ssh node2 ip link set "trunk.$E2E_HEALTH_VLAN" mtu "$LAB_TRUNK_MTU" </dev/null ||
        lab_warn "node2: trunk.$E2E_HEALTH_VLAN's MTU could not be set back to $LAB_TRUNK_MTU"
}

# e2e_event_haloctl_rehearse — haloctl rehearse LUN 1 to the other node and back, with its own
# verifying writer on the client (--client: halo-writer over ssh, on LUN 1's disk there) for
# the whole rehearsal: its report (both moves timed, the unserved windows, the writer's
# read-back verdict) is the evidence (analyze.py, OWN_EVIDENCE), and no constraint or move in
# progress may be left.
E2E_REHEARSE_SECONDS=${E2E_REHEARSE_SECONDS:-90}
e2e_arm_haloctl_rehearse() { e2e_haloctl_ready; E2E_EXPECT_NODE=; E2E_REHEARSE_TO=$(e2e_other "$(e2e_promoted_node 1)"); }
e2e_event_haloctl_rehearse() {
    e2e_haloctl "$2" rehearse lun1 --to "$E2E_REHEARSE_TO" --back \
        --client client --client-device "${E2E_DEV[1]}" --client-writer /usr/local/bin/halo-writer \
        --client-seconds "$E2E_REHEARSE_SECONDS"
}
e2e_restore_haloctl_rehearse() { e2e_all_home; }

# e2e_own_evidence EVENT — the event brings its own evidence instead of the run's writers.
e2e_own_evidence() { case $1 in haloctl-health|haloctl-rehearse) true ;; *) false ;; esac; }

# e2e_event_haloctl_drain — node1 drained with haloctl: its LUNs move to node2, one at a time,
# and it stays drained until the restore undrains it.
e2e_arm_haloctl_drain() { e2e_haloctl_ready; E2E_EXPECT_NODE=node2; }
e2e_event_haloctl_drain() { e2e_haloctl "$2" drain node1; }
e2e_restore_haloctl_drain() {
    lab_ssh node1 haloctl undrain node1 </dev/null >/dev/null 2>&1 || lab_warn "haloctl undrain node1 failed"
    e2e_all_home
}

# e2e_event_upgrade — the packages of this build (HALO_PACKAGES) installed with apt over the
# previous version on node1, then node2, while the cluster serves both LUNs and the client
# writes: nothing may restart or move (analyze.py: the cluster's processes before and after, the
# controller's actions in the window, the versions installed).
e2e_cluster_processes() {
    local vm
    for vm in node1 node2; do
        lab_sh "$vm" "for p in corosync pacemakerd pacemaker-based pacemaker-fenced pacemaker-execd pacemaker-attrd \
            pacemaker-schedulerd pacemaker-controld; do echo $vm \$p \$(pidof \$p); done
            echo $vm halod \$(systemctl is-active halod)" </dev/null
    done
}
e2e_arm_upgrade() {
    E2E_EXPECT_NODE=
    local vm
    dpkg-deb -f "$(lab_debs_in "$HALO_PACKAGES" | head -n 1)" Version >"$2/upgrade-expected.txt"
    for vm in node1 node2; do
        lab_stage_debs "$vm" "$HALO_PACKAGES" /var/tmp/halo-debs/current || lab_die "$vm: cannot stage this build's packages"
        echo "$vm $(lab_halo_versions "$vm")" >>"$2/upgrade-from.txt"
    done
    e2e_cluster_processes >"$2/processes-before.txt"
}
e2e_event_upgrade() {
    local vm t0
    for vm in node1 node2; do
        t0=$(date +%s%3N)
        lab_apt_install "$vm" /var/tmp/halo-debs/current >/dev/null || lab_warn "$vm: apt-get install failed ($2/apt-$vm.log)"
        echo "$vm $(( $(date +%s%3N) - t0 ))" >>"$2/upgrade-ms.txt"
        lab_ssh "$vm" cat /tmp/apt.log </dev/null >"$2/apt-$vm.log" 2>&1 || true
        echo "$vm $(lab_halo_versions "$vm")" >>"$2/upgrade-installed.txt"
    done
}
# After the window (run_event calls e2e_after_EVENT, if there is one, before the analysis).
e2e_after_upgrade() { e2e_cluster_processes >"$2/processes-after.txt"; }
e2e_restore_upgrade() { :; }

# e2e_affected EVENT — the LUNs the event moves or freezes (analyze.py reports the others as "not
# moved"): a move moves LUN 1; a drain, a crash and LUN 1's VLAN going down touch every LUN at
# home on node1 (LUN 1's node; every event starts from the home placement); a cut replication
# link every LUN.
e2e_affected() {
    local n
    for n in "${E2E_LUNS[@]}"; do
        case $1 in
            move|haloctl-move|haloctl-rehearse) [ "$n" = 1 ] ;;
            haloctl-health) false ;;
            link|upgrade) true ;;
            *) [ "${E2E_HOME[$n]}" = node1 ] ;;
        esac && echo "$n"
    done
}

# e2e_event_crash — node1 loses power (its QEMU, or its UML process group, killed); Pacemaker
# fences it; its LUNs move.
e2e_arm_crash() {
    E2E_CRASH_PID=$(lab_vm_pid node1); E2E_EXPECT_NODE=node2; E2E_OBSERVER=node2
    # halod's agreed state before the crash: the initiators' connections it will tickle.
    if [ "$E2E_STACK" = halod ]; then e2e_halod node2 '{"version":1,"command":"status"}' >"$2/halod-before.json" 2>&1 || true; fi
    # ... and the client's own (ss): a tickle that did not reset one shows which one.
    lab_sh client "ss -tn state established '( dport = :3260 )'" </dev/null >"$2/client-connections-before.txt" 2>&1 || true
}
e2e_event_crash() { lab_vm_power_cut "$E2E_CRASH_PID"; }
e2e_restore_crash() { e2e_revive node1; e2e_all_home; }

# e2e_revive NODE — a node that fencing powered off (pcmk_reboot_action=off) is powered on, as
# an operator would, and rejoins the cluster; a node that is up is left alone.
e2e_revive() {
    local node=$1
    if lab_fence_request status "$node" 2>/dev/null | grep -q '"state": "off"'; then
        lab_fence_request on "$node" >/dev/null
    else
        lab_sh "$node" true </dev/null >/dev/null 2>&1 && return 0
    fi
    lab_wait_ssh "$node" 300
    e2e_slices_up "$node"
    local manager=pacemaker
    [ "$E2E_STACK" = halod ] && manager=halod
    lab_sh "$node" "modprobe -a drbd dm_crypt target_core_mod iscsi_target_mod target_core_iblock;
        sysctl -qw net.ipv4.ip_nonlocal_bind=1 net.ipv6.ip_nonlocal_bind=1; systemctl start corosync $manager" </dev/null
    E2E_OBSERVER=$node
    if [ "$E2E_STACK" = halod ]; then
        lab_wait_until 300 "$node rejoined halod's group" e2e_halod_all_in_sync
    else
        lab_wait_until 300 "$node rejoined" lab_cluster_all_online
    fi
}

# e2e_event_link — the replication link is cut on node2 while the client writes, then healed.
e2e_arm_link() { E2E_EXPECT_NODE=; }
e2e_event_link() { lab_ssh node2 ip link set repl down </dev/null; }
e2e_restore_link() {
    lab_ssh node2 ip link set repl up </dev/null
    local n
    for n in "${E2E_LUNS[@]}"; do
        lab_wait_until 300 "lun$n connected and UpToDate again" lab_sh node1 "drbdadm dstate lun$n | grep -q '^UpToDate/UpToDate'"
    done
    # The cut placed a fencing constraint (halo-fence-lunN, or crm-fence-peer.sh's
    # drbd-fence-by-handler-…); the resync's after-resync-target handler must have removed it.
    lab_wait_until 120 "the fencing constraints are removed after the resync" e2e_no_fence_constraints
}
e2e_no_fence_constraints() {
    local constraints
    if [ "$E2E_STACK" = halod ]; then
        # halod's record of the outdated copies (its fence-peer answer), cleared the same way.
        constraints=$(e2e_halod_ask outdated) && [ -z "$constraints" ]
        return
    fi
    constraints=$(lab_sh "$E2E_OBSERVER" "cibadmin --query --scope constraints" </dev/null) || return 1
    [[ $constraints == *"<constraints"* ]] && ! grep -Eq 'id="(halo-fence-|drbd-fence-by-handler-)' <<<"$constraints"
}

# e2e_event_vlan — the active node's VLAN-24 interface goes down (LUN 1's login portal).
# The other node observes: a stack may answer the lost VLAN by fencing this one (the established
# one did: iface-vlan's stop failed, 2026-11-21), which the restore then powers on again.
e2e_arm_vlan() {
    E2E_VLAN_NODE=$(e2e_promoted_node 1); E2E_EXPECT_NODE=; E2E_OBSERVER=$(e2e_other "$E2E_VLAN_NODE")
}
e2e_event_vlan() { lab_ssh "$E2E_VLAN_NODE" ip link set "trunk.$E2E_PORTAL_VLAN" down </dev/null; }
e2e_restore_vlan() {
    lab_ssh "$E2E_VLAN_NODE" ip link set "trunk.$E2E_PORTAL_VLAN" up </dev/null 2>/dev/null || true
    local n
    for n in "${E2E_LUNS[@]}"; do lab_wait_until 600 "lun$n served" e2e_served_anywhere "$n"; done
    e2e_revive "$E2E_VLAN_NODE"
    E2E_OBSERVER=node1
    e2e_all_home
}
