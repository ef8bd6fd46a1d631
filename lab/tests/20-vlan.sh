#!/bin/bash
# lab/tests/20-vlan.sh — portal VLANs over the trunk: node1 creates trunk.24 (the client has its
# VLAN interfaces 24..29 from boot) and jumbo frames (MTU 9000) cross VLAN 24 both ways.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

vid=24 n1=${LAB_N[node1]} nc=${LAB_N[client]}
lab_expect "client: VLAN interfaces for ${LAB_VLANS[*]} exist" \
    lab_sh client "for v in ${LAB_VLANS[*]}; do ip -d link show trunk.\$v | grep -q 'vlan protocol 802.1Q id '\$v || exit 1; done"
lab_expect "node1: create trunk.$vid (MTU 9000)" lab_sh node1 "
    ip link add link trunk name trunk.$vid type vlan id $vid &&
    ip link set trunk.$vid mtu 9000 up &&
    ip addr add 198.19.$vid.$n1/24 dev trunk.$vid"
lab_wait_until 20 "node1 -> client over VLAN $vid" lab_ssh node1 ping -c 1 -W 1 "198.19.$vid.$nc"
lab_expect "node1 -> client: 8972-byte ping, do not fragment (MTU 9000)" \
    lab_ssh node1 ping -c 3 -i 0.2 -M "do" -s 8972 "198.19.$vid.$nc"
lab_expect "client -> node1: 8972-byte ping, do not fragment" \
    lab_ssh client ping -c 3 -i 0.2 -M "do" -s 8972 "198.19.$vid.$n1"
lab_expect "frames are tagged: the client sees VLAN $vid on trunk" lab_sh client "
    timeout 10 tcpdump -c 1 -nei trunk 'vlan $vid and icmp' >/tmp/vlan.txt 2>/dev/null &
    sleep 2; ping -c 2 -i 0.3 -q 198.19.$vid.$n1 >/dev/null; wait; grep -q 'vlan $vid' /tmp/vlan.txt"
lab_expect "VLAN 25 is separate: node1 (VLAN 24 only) cannot reach 198.19.25.$nc" \
    lab_sh node1 "! ping -c 1 -W 1 198.19.25.$nc >/dev/null 2>&1"
lab_expect "node1: remove trunk.$vid" lab_ssh node1 ip link del "trunk.$vid"
