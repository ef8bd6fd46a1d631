#!/bin/bash
# lab/tests/60-portal.sh — ocf:halo:portal on real 802.1Q VLANs of the trunk (node1), seen from
# the client: the agent creates trunk.24/25/26 (MTU 9000) and uses trunk.27, which was made by
# hand; five addresses (four IPv4, one IPv6) carry halo's address protocol (IFA_PROTO 104) —
# read back from the kernel over netlink, since iproute2 6.1 cannot show it; the client sees the
# announcements tagged on each VLAN and reaches every address with 8972-byte DF pings; monitor
# at depths 0/10/20 says 0; an address the client also answers for fails depth 20; stop removes
# halo's VLANs and leaves trunk.27; a copy of an address added with `ip addr add` is "not
# halo's" (monitor 7, start 2, stop leaves it); the journal holds the agent's lines under
# HALO_RESOURCE; the real ocf-tester and halo-conformance pass.
# lab-backends: uml qemu
set -euo pipefail
source "$(dirname "$0")/../lib.sh"
lab_halo_installed node1

n1=${LAB_N[node1]} nc=${LAB_N[client]}
addresses="198.19.24.50/24@trunk.24 198.19.25.50/24@trunk.25 fd00:19:26::50/64@trunk.26 198.19.26.50/24@trunk.26 198.19.27.50/24@trunk.27"
P=(OCF_RESOURCE_INSTANCE=lab-portal "addresses=$addresses" mtu=9000)
portal() { local action=$1; shift; lab_agent node1 portal "$action" "${P[@]}" "$@"; }

cleanup() {
    portal stop >/dev/null 2>&1 || true
    lab_sh node1 'for v in 24 25 26 27; do ip link del trunk.$v 2>/dev/null; done; rm -f /root/ifa-proto.py; true' >/dev/null 2>&1 || true
    lab_sh client '[ -e /tmp/portal-ann.pid ] && kill $(cat /tmp/portal-ann.pid) 2>/dev/null
                   ip addr del fd00:19:26::13/64 dev trunk.26 2>/dev/null; ip addr del 198.19.25.50/24 dev trunk.25 2>/dev/null
                   ip neigh flush dev trunk.24; ip neigh flush dev trunk.25; rm -f /tmp/portal-ann.*; true' >/dev/null 2>&1 || true
}
cleanup; trap cleanup EXIT

lab_copy node1 "$LAB_DIR/guest/ifa-proto.py" /root/ifa-proto.py
lab_expect "node1: trunk.27 created by hand (outside halo), MTU 9000" lab_sh node1 \
    'ip link add link trunk name trunk.27 type vlan id 27 && ip link set trunk.27 mtu 9000 up'
lab_expect "client: fd00:19:26::13/64 on trunk.26 (IPv6 peer for the portal)" \
    lab_ssh client ip addr add fd00:19:26::13/64 dev trunk.26 nodad
lab_expect_rc "probe before start" 7 portal monitor

# The client records the announcements: tagged ARP and ICMPv6 frames on its trunk NIC.
lab_sh client 'setsid timeout 60 tcpdump -l -nei trunk "vlan and (arp or icmp6)" \
    </dev/null >/tmp/portal-ann.txt 2>/tmp/portal-ann.err & echo $! >/tmp/portal-ann.pid'
lab_wait_until 20 "client: tcpdump listening on trunk" lab_sh client 'grep -q "listening on" /tmp/portal-ann.err'

lab_expect_rc "start (3 VLANs created, 5 addresses, mtu=9000)" 0 portal start
lab_result start-ms "$LAB_MS"
lab_expect_rc "start again (idempotent)" 0 portal start
lab_expect_rc "monitor depth 0" 0 portal monitor OCF_CHECK_LEVEL=0
lab_result monitor0-ms "$LAB_MS"
lab_expect_rc "monitor depth 10" 0 portal monitor OCF_CHECK_LEVEL=10
lab_expect_rc "monitor depth 20 (ARP probe / DAD solicitation, nobody else answers)" 0 portal monitor OCF_CHECK_LEVEL=20
lab_result monitor20-ms "$LAB_MS"

for v in 24 25 26; do
    link=$(lab_ssh node1 ip -d link show trunk.$v)
    lab_expect "trunk.$v: VLAN id $v on trunk, MTU 9000, alias halo-portal" \
        lab_match "$link" "trunk\.$v@trunk: .* mtu 9000 .*vlan protocol 802\.1Q id $v .*alias halo-portal"
done
lab_expect "trunk.27 (made by hand) carries no halo alias" \
    lab_sh node1 '! ip -d link show trunk.27 | grep -q "alias halo"'

protos=$(lab_ssh node1 python3 /root/ifa-proto.py)
for a in $addresses; do
    a=${a%@*}; dev=${addresses#*"$a@"}; dev=${dev%% *}
    lab_expect "kernel: $a on $dev has address protocol 104 (IFA_PROTO over netlink, Linux 6.1)" \
        lab_match "$protos" "(^|
)$dev $a proto 104(
|$)"
done
lab_expect "kernel: the link-local addresses keep the kernel's own protocol (3), not 104" \
    lab_match "$protos" "(^|
)trunk\.24 fe80::[0-9a-f:]+/64 proto 3"

# The client: announcements seen tagged on its VLANs, and jumbo frames to every address.
# announce_count=5 (the default): start sends the first round, a detached announcer the other 4,
# 200 ms apart; a round is, per IPv4 address, one gratuitous ARP request and one gratuitous reply
# (broadcast), per IPv6 address one unsolicited neighbour advertisement (Agents/Portal/
# Announcements.swift, sendRound). The second, idempotent start sends nothing and leaves the
# announcer running (PortalAgent.start). So each IPv4 address gets exactly 5 + 5 = 10 frames and
# the IPv6 one exactly 5: fewer means lost rounds, more means the idempotent start announced
# again. (Depth 20's ARP probes, "tell 0.0.0.0", are neither.) The capture ends once the
# announcer is done.
lab_wait_until 10 "node1: the announcer has sent its rounds and exited" \
    lab_sh node1 '! pgrep -f "halo-agent [p]ortal-announce" >/dev/null'
lab_sh client 'kill -INT $(cat /tmp/portal-ann.pid)'
lab_wait_until 20 "client: tcpdump ended" lab_sh client '! kill -0 $(cat /tmp/portal-ann.pid) 2>/dev/null'
ann=$(lab_ssh client cat /tmp/portal-ann.txt)
frames() { printf '%s\n' "$ann" | grep -cE "$1" || true; }
for v in 24 25 26 27; do
    a="198\.19\.$v\.50"
    requests=$(frames "> ff:ff:ff:ff:ff:ff, .*vlan $v, .*ARP.*Request who-has $a tell $a,")
    replies=$(frames "> ff:ff:ff:ff:ff:ff, .*vlan $v, .*ARP.*Reply $a is-at ")
    lab_expect "client: gratuitous ARP for 198.19.$v.50 tagged VLAN $v: $requests requests + $replies replies (5 rounds × request + reply = 10)" \
        [ "$requests" -eq 5 -a "$replies" -eq 5 ]
done
count=$(frames "vlan 26, .*ICMP6, neighbor advertisement, tgt is fd00:19:26::50")
lab_expect "client: unsolicited neighbour advertisements for fd00:19:26::50 tagged VLAN 26: $count (5 rounds × 1)" [ "$count" -eq 5 ]
lab_result announcements-seen "$(printf '%s\n' "$ann" | grep -c 'vlan' || true)"
for v in 24 25 26 27; do
    lab_expect "client -> 198.19.$v.50: 8972-byte ping, do not fragment" \
        lab_ssh client ping -q -c 2 -i 0.2 -W 2 -M "do" -s 8972 "198.19.$v.50" >/dev/null
done
lab_expect "client -> fd00:19:26::50: 8952-byte ping6, do not fragment (9000-byte packets)" \
    lab_ssh client ping -q -6 -c 2 -i 0.2 -W 2 -M "do" -s 8952 fd00:19:26::50 >/dev/null

lab_expect "journal: the agent's lines under HALO_RESOURCE=lab-portal" \
    lab_sh node1 'journalctl -q --no-pager HALO_RESOURCE=lab-portal -o cat | grep -q "lab-portal start: portal up"'
lab_expect "journal: with the action as a field (HALO_ACTION=start, SYSLOG_IDENTIFIER=halo-portal)" \
    lab_sh node1 'journalctl -q --no-pager HALO_RESOURCE=lab-portal HALO_ACTION=start SYSLOG_IDENTIFIER=halo-portal | grep -q .'

# Someone else answers for a portal address: depth 20 fails, depth 0 cannot tell.
lab_ssh client ip addr add 198.19.25.50/24 dev trunk.25
lab_expect_rc "duplicate 198.19.25.50 (the client answers): monitor depth 0" 0 portal monitor OCF_CHECK_LEVEL=0
lab_expect_rc "duplicate 198.19.25.50: monitor depth 20" 1 portal monitor OCF_CHECK_LEVEL=20
lab_expect_reason "the reason names the duplicate address" "198\.19\.25\.50"
lab_ssh client ip addr del 198.19.25.50/24 dev trunk.25
lab_expect_rc "duplicate gone: monitor depth 20" 0 portal monitor OCF_CHECK_LEVEL=20

# Stop: halo's VLANs go, the hand-made one stays (without the portal address).
lab_expect_rc "stop" 0 portal stop
lab_result stop-ms "$LAB_MS"
lab_expect "stop removed trunk.24/25/26 (halo's)" \
    lab_sh node1 '! ip link show trunk.24 && ! ip link show trunk.25 && ! ip link show trunk.26' 2>/dev/null
lab_expect "stop left trunk.27 (made by hand), without 198.19.27.50" \
    lab_sh node1 'ip link show trunk.27 >/dev/null && ! ip -4 addr show dev trunk.27 | grep -q 198.19.27.50'
lab_expect_rc "stop again" 0 portal stop
lab_expect_rc "monitor after stop" 7 portal monitor

# A copy made outside halo: the kernel says whose it is.
lab_ssh node1 ip addr add 198.19.27.50/24 dev trunk.27
lab_expect "kernel: the copy added with ip addr add has no address protocol" \
    lab_match "$(lab_ssh node1 python3 /root/ifa-proto.py)" "trunk\.27 198\.19\.27\.50/24 proto -"
lab_expect_rc "monitor with a foreign 198.19.27.50" 7 portal monitor
lab_expect_rc "monitor depth 0 with a foreign 198.19.27.50 on trunk.27, alone" 7 \
    lab_agent node1 portal monitor OCF_RESOURCE_INSTANCE=lab-portal1 addresses=198.19.27.50/24@trunk.27
lab_expect_rc "start with a foreign 198.19.27.50" 2 portal start
lab_expect_reason "the reason says it is not halo's" "198\.19\.27\.50.*(not halo|outside)"
lab_expect "the failed start left nothing of halo's behind (no trunk.24)" lab_sh node1 '! ip link show trunk.24 2>/dev/null'
lab_expect_rc "stop with the foreign copy" 0 portal stop
lab_expect "the foreign copy is left in place" lab_sh node1 'ip -4 addr show dev trunk.27 | grep -q 198.19.27.50'
lab_ssh node1 ip addr del 198.19.27.50/24 dev trunk.27

# The real ocf-tester and the conformance runner.
lab_expect "ocf-tester passes" lab_sh node1 "ocf-tester -n lab-portal -o addresses='$addresses' -o mtu=9000 \
    /usr/lib/ocf/resource.d/halo/portal >/tmp/ocft.txt 2>&1 || { cat /tmp/ocft.txt; exit 1; }"
lab_expect "halo-conformance passes" lab_sh node1 "/usr/lib/halo/halo-conformance -n lab-portal -o addresses='$addresses' \
    -o mtu=9000 /usr/lib/ocf/resource.d/halo/portal >/tmp/conf.txt 2>&1 && tail -n 1 /tmp/conf.txt || { grep -v '^PASS' /tmp/conf.txt; exit 1; }"
lab_expect "nothing of halo's left after them" lab_sh node1 '! ip link show trunk.24 2>/dev/null'
