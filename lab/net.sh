# lab/net.sh — the lab's network: one namespace, three bridges, one tap per guest NIC.
#
# Sourced by lab/lab (after lib.sh). Inside namespace $LAB_NS (halolab):
#   br-mgmt   198.18.0.254/24 (host side) + mgmt NIC of node1, node2, client   (ssh, corosync, fencing)
#   br-trunk  no address, MTU 9000, trunk NIC of node1, node2, client; the guests tag VLANs 24..29
#             themselves (the host kernel has no 8021q; the bridge does not filter VLANs)
#   br-repl   no address, repl NIC of node1 and node2 (198.18.1.0/24, DRBD + corosync ring 1)
# Taps are named VM-LINK (node1-mgmt, client-trunk, ...). No default route, no NAT, no forwarding:
# nothing inside the namespace can reach anything outside it.

# The links each guest has, in NIC order (the MAC's 4th byte is the index: mgmt 00, trunk 01, repl 02).
lab_links_of() {
    case $1 in
        node1|node2) echo mgmt trunk repl ;;
        *) echo mgmt trunk ;;
    esac
}

lab_net_up() {
    ip netns add "$LAB_NS"
    lab_ns ip link set lo up
    lab_ns sysctl -qw net.ipv4.ip_forward=0
    local link vm mtu
    for link in mgmt trunk repl; do
        mtu=1500; [ "$link" = trunk ] && mtu=$LAB_TRUNK_MTU
        lab_ns ip link add "br-$link" type bridge stp_state 0 forward_delay 0 mcast_snooping 0
        lab_ns ip link set "br-$link" mtu "$mtu"
    done
    lab_ns ip addr add "$LAB_HOST_IP/24" dev br-mgmt
    for vm in "${LAB_VMS[@]}"; do
        for link in $(lab_links_of "$vm"); do
            mtu=1500; [ "$link" = trunk ] && mtu=$LAB_TRUNK_MTU
            lab_ns ip tuntap add dev "$vm-$link" mode tap
            lab_ns ip link set "$vm-$link" mtu "$mtu" master "br-$link" up
        done
    done
    for link in mgmt trunk repl; do lab_ns ip link set "br-$link" up; done
}

lab_net_down() {
    lab_is_up || return 0
    local vm link
    for vm in "${LAB_VMS[@]}"; do
        for link in $(lab_links_of "$vm"); do lab_ns ip link del "$vm-$link" 2>/dev/null || true; done
    done
    for link in mgmt trunk repl; do lab_ns ip link del "br-$link" 2>/dev/null || true; done
    ip netns del "$LAB_NS"
}
