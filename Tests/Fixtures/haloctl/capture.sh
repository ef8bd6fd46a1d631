#!/usr/bin/env bash
# Captures the Pacemaker XML haloctl's parsers are tested on, from a real two-node corosync +
# Pacemaker 2.1.5 cluster in network namespaces (Tests/System/cluster-netns) running the seed
# layout of two LUNs with Pacemaker's own test agents standing in for halo's (Stateful for DRBD,
# Dummy for LUKS, target and portal; layout-*.xml). Run as root from the repository root:
#
#   Tests/Fixtures/haloctl/capture.sh
#
# Writes Tests/Fixtures/haloctl/pacemaker-2.1.5/*.xml. Each state: the CIB (cibadmin --query),
# crm_mon --output-as=xml, and where it matters crm_simulate / stonith_admin.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out="$here/pacemaker-2.1.5"
dir=$(mktemp -d /tmp/halo-capture.XXXXXX)
net="$here/../../System/cluster-netns"
trap '"$net" down "$dir"; rm -rf "$dir"' EXIT
mkdir -p "$out"
"$net" up "$dir" 2
"$net" wait "$dir" 2
on() { local node=$1; shift; "$net" exec "$dir" "$node" "$@"; }
settle() {  # until the scheduler has nothing left to do (crm_simulate --run on the live CIB)
    for _ in $(seq 1 60); do
        sleep 1
        # Nothing planned, and nothing in flight (a pending operation is recorded in the CIB
        # with op-status -1).
        on node1 crm_simulate --live-check --run --output-as=xml | grep -q '<rsc_action ' && continue
        on node1 cibadmin --query --scope status | grep -q 'op-status="-1"' && continue
        return 0
    done
    echo "capture: the cluster did not settle" >&2; return 1
}
capture() {  # NAME: the CIB and crm_mon of now
    on node1 cibadmin --query > "$out/$1-cib.xml"
    on node1 crm_mon --output-as=xml -1 > "$out/$1-crm_mon.xml"
}

on node1 crm_attribute --type crm_config --name stonith-enabled --update false
on node1 crm_attribute --type rsc_defaults --name resource-stickiness --update 100
on node1 cibadmin --replace --scope resources --xml-pipe < "$here/layout-resources.xml"
on node1 cibadmin --replace --scope constraints --xml-pipe < "$here/layout-constraints.xml"
settle
capture healthy

# What haloctl's dry run asks: the transition for a move constraint on a copy of the CIB.
python3 - "$out/healthy-cib.xml" "$dir/move.xml" <<'EOF'
import sys
cib = open(sys.argv[1]).read()
constraint = ('<rsc_location id="haloctl-move-lun1" rsc="drbd-lun1-clone"><rule id="haloctl-move-lun1-rule" '
              'role="Promoted" score="INFINITY"><expression id="haloctl-move-lun1-expr" attribute="#uname" '
              'operation="eq" value="node2"/></rule></rsc_location>')
open(sys.argv[2], "w").write(cib.replace("</constraints>", constraint + "</constraints>"))
EOF
crm_simulate --xml-file "$dir/move.xml" --simulate --output-as=xml > "$out/move-lun1-simulate.xml"

# lun1 moved to node2 the way haloctl moves it (its constraint, then removed): the operation
# history of a move.
on node1 cibadmin --modify --allow-create --scope constraints --xml-pipe < <(python3 - "$dir/move.xml" <<'EOF2'
import sys, re
print(re.search(r'<rsc_location id="haloctl-move-lun1".*?</rsc_location>', open(sys.argv[1]).read()).group(0))
EOF2
)
settle
capture moved-lun1-constrained
on node1 cibadmin --delete --scope constraints --xml-text '<rsc_location id="haloctl-move-lun1"/>'
settle
capture moved-lun1
on node1 crm_resource --move --promoted --resource drbd-lun1-clone --node node1 >/dev/null
settle
on node1 crm_resource --clear --resource drbd-lun1-clone >/dev/null
settle

# A failed monitor (restarted in place).
on node1 crm_resource --fail --resource target-lun1 --node node1
settle
capture failed-monitor
on node1 crm_resource --cleanup --resource target-lun1 >/dev/null
settle

# node2 drained (standby): both LUNs on node1.
on node1 crm_attribute --node node2 --name standby --update on
settle
capture standby
on node1 crm_attribute --node node2 --name standby --delete
settle

# A leftover crm_resource --move constraint (lun2 stayed on node1 after the standby: its
# preference for node2, 50, is below the stickiness, 100).
on node1 crm_resource --move --promoted --resource drbd-lun2-clone --node node2
settle
capture leftover-move
on node1 crm_resource --clear --resource drbd-lun2-clone >/dev/null 2>&1
settle

# node2 lost (its corosync killed) and confirmed down by hand: a fencing record.
kill -9 "$(cat "$dir/node2/pacemakerd.pid")" "$(cat "$dir/node2/corosync.pid")"
sleep 5
settle || true
on node1 stonith_admin --confirm node2 >/dev/null
sleep 2
capture node2-lost
on node1 stonith_admin --history='*' --output-as=xml > "$out/node2-lost-fence-history.xml"
echo "captured into $out"
