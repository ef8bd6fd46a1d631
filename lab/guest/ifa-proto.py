#!/usr/bin/python3
"""ifa-proto.py — print every address of this machine with its address protocol (IFA_PROTO).

iproute2 6.1 (Debian bookworm) neither sets nor prints the address protocol; this asks the
kernel directly: one RTM_GETADDR dump over rtnetlink, one line per address:

    INTERFACE ADDRESS/PREFIX proto N      (N = the IFA_PROTO attribute; "-" when absent)

Used by lab/tests/60-portal.sh to show that the kernel kept halo's marker (104).
"""
import ipaddress
import socket
import struct

RTM_NEWADDR, RTM_GETADDR = 20, 22
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
NLMSG_DONE, NLMSG_ERROR = 3, 2
IFA_ADDRESS, IFA_LOCAL, IFA_PROTO = 1, 2, 11


def align(n):
    return (n + 3) & ~3


def attributes(data):
    offset = 0
    while offset + 4 <= len(data):
        length, kind = struct.unpack_from("=HH", data, offset)
        if length < 4:
            break
        yield kind & 0x3FFF, data[offset + 4:offset + length]
        offset += align(length)


def main():
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    sock.bind((0, 0))
    request = struct.pack("=IHHII", 16 + 8, RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, 1, 0)
    request += struct.pack("=BBBBI", socket.AF_UNSPEC, 0, 0, 0, 0)
    sock.send(request)
    done = False
    while not done:
        data = sock.recv(65536)
        offset = 0
        while offset + 16 <= len(data):
            length, kind, _flags, _seq, _pid = struct.unpack_from("=IHHII", data, offset)
            if kind == NLMSG_DONE:
                done = True
                break
            if kind == NLMSG_ERROR:
                raise SystemExit("netlink error")
            if kind == RTM_NEWADDR:
                family, prefix, _flags, _scope, index = struct.unpack_from("=BBBBI", data, offset + 16)
                attrs = dict(attributes(data[offset + 24:offset + length]))
                raw = attrs.get(IFA_LOCAL) or attrs.get(IFA_ADDRESS)
                proto = attrs.get(IFA_PROTO)
                if raw is not None:
                    address = ipaddress.ip_address(raw)
                    name = socket.if_indextoname(index)
                    print(f"{name} {address}/{prefix} proto {proto[0] if proto else '-'}")
            offset += align(length)


if __name__ == "__main__":
    main()
