#!/usr/bin/env python3
"""Builds the sysfs fixture trees from the values in ../../../../shared/reference/captures
(see README.md beside this script for which capture each value comes from). Run from this
directory; it replaces the trees it builds."""
import os, shutil

PCI = "devices/pci0000:00/0000:00:07.0/virtio4/block/vdb"

def write(root, path, text):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text + "\n")

def link(root, path, target):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    os.symlink(target, full)

def mapping(root, name="cr0", uuid="CRYPT-LUKS2-58aba7b1d27a491abfb0fad5efeb5946-cr0", suspended="0",
            slaves=("vdb",), holders=(), size="1015808"):
    dm = "sys/devices/virtual/block/dm-0"
    link(root, "sys/block/dm-0", "../devices/virtual/block/dm-0")
    write(root, f"{dm}/dev", "253:0")
    write(root, f"{dm}/size", size)
    write(root, f"{dm}/ro", "0")
    write(root, f"{dm}/queue/discard_max_bytes", "0")
    write(root, f"{dm}/dm/name", name)
    write(root, f"{dm}/dm/uuid", uuid)
    write(root, f"{dm}/dm/suspended", suspended)
    os.makedirs(os.path.join(root, dm, "slaves"), exist_ok=True)
    os.makedirs(os.path.join(root, dm, "holders"), exist_ok=True)
    for slave in slaves:
        link(root, f"{dm}/slaves/{slave}", f"../../../../pci0000:00/0000:00:07.0/virtio4/block/{slave}")
    for holder in holders:
        link(root, f"{dm}/holders/{holder}", f"../../{holder}")
        link(root, f"sys/block/{holder}", f"../devices/virtual/block/{holder}")
        write(root, f"sys/devices/virtual/block/{holder}/dev", "147:0")

def vdb(root, name="vdb", dev="254:16", size="1048576"):
    base = f"sys/devices/pci0000:00/0000:00:07.0/virtio4/block/{name}"
    link(root, f"sys/block/{name}", f"../{base[4:]}")
    write(root, f"{base}/dev", dev)
    write(root, f"{base}/size", size)
    write(root, f"{base}/queue/discard_max_bytes", "0")

def tree(name, build):
    shutil.rmtree(name, ignore_errors=True)
    os.makedirs(name)
    build(name)

tree("luks-open", lambda r: (vdb(r), mapping(r)))
tree("drbd-attached", lambda r: (vdb(r), mapping(r, holders=("drbd0",))))
tree("dm-suspended", lambda r: (vdb(r), mapping(r, suspended="1", holders=("drbd0",))))
# Constructed (not captured): the same mapping with its table replaced by an error target
# (slaves/ empty), a foreign device-mapper device under the name, and cr0 open on another disk.
tree("error-table", lambda r: (vdb(r), mapping(r, slaves=())))
tree("foreign-mapping", lambda r: (vdb(r), mapping(r, uuid="LVM-0123456789abcdef0123456789abcdef")))
tree("other-device", lambda r: (vdb(r), vdb(r, name="vdc", dev="254:32"), mapping(r, slaves=("vdc",))))
# This development machine (no device-mapper): `ls /sys/block` gave loop0..loop7 vda zram0.
def host(r):
    for name in ["loop%d" % i for i in range(8)] + ["vda", "zram0"]:
        write(r, f"sys/devices/virtual/block/{name}/dev", "7:0")
        link(r, f"sys/block/{name}", f"../devices/virtual/block/{name}")
tree("no-device-mapper", host)
