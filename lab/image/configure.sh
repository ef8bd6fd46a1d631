#!/bin/bash
# lab/image/configure.sh — stage 2 of the lab image: turn a debootstrapped rootfs into the lab
# guest image root: lab files (lab/image/files and files-BACKEND), the lab ssh key, one machine
# identity per boot, cluster units disabled, the backend's kernel side (QEMU: a small initramfs;
# UML: the modules in /lib/modules), apt caches dropped.
#
# usage: configure.sh ROOTFS SSH_PUBKEY MIRROR BACKEND
# Works without mounting anything into the rootfs (systemctl enable/disable work offline).
set -euo pipefail
rootfs=$1 pubkey=$2 mirror=$3 backend=$4
here=$(cd "$(dirname "$0")" && pwd)

# Lab files, owned by root whatever the owner of the checkout: the common ones, then the backend's.
for dir in files "files-$backend"; do
    tar -C "$here/$dir" --owner=0 --group=0 -c . | tar -C "$rootfs" -x --no-same-permissions
done
chmod 0755 "$rootfs/usr/sbin/fence_halolab" "$rootfs/usr/local/sbin/halolab-setup"

# Machine identity. Every guest boots this image, so it must not carry a machine-id: an empty
# /etc/machine-id plus systemd.machine_id= on each guest's kernel command line. The dbus package
# wrote its own copy during debootstrap, which systemd would otherwise pick up: point it at /etc.
: >"$rootfs/etc/machine-id"
rm -f "$rootfs/var/lib/dbus/machine-id"
ln -s /etc/machine-id "$rootfs/var/lib/dbus/machine-id"
echo halolab >"$rootfs/etc/hostname"   # replaced at boot by systemd.hostname=

# Root logs in with the lab key only (no password is set).
install -d -m 0700 "$rootfs/root/.ssh"
install -m 0600 "$pubkey" "$rootfs/root/.ssh/authorized_keys"

echo "deb $mirror bookworm main" >"$rootfs/etc/apt/sources.list"

# Units: the preset file (files/etc/systemd/system-preset) covers first boot; here the same
# policy is applied to what package scripts enabled during debootstrap.
off=(corosync.service pacemaker.service crm_mon.service corosync-notifyd.service logd.service
     drbd.service iscsid.service iscsid.socket open-iscsi.service rtslib-fb-targetctl.service
     targetclid.service targetclid.socket apt-daily.timer apt-daily-upgrade.timer
     dpkg-db-backup.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer logrotate.timer
     man-db.timer systemd-networkd.service systemd-networkd-wait-online.service
     systemd-pstore.service)
installed=$(chroot "$rootfs" systemctl list-unit-files --no-legend --no-pager | awk '{print $1}')
for unit in "${off[@]}"; do
    if grep -qx "$unit" <<<"$installed"; then
        chroot "$rootfs" systemctl disable --quiet "$unit"
    fi
done
chroot "$rootfs" systemctl enable --quiet halolab-setup.service ssh.service
enabled=$(chroot "$rootfs" systemctl list-unit-files --state=enabled --no-legend --no-pager | awk '{print $1}')
for unit in "${off[@]}"; do
    if grep -qx "$unit" <<<"$enabled"; then
        echo "configure.sh: $unit is still enabled" >&2
        exit 1
    fi
done
echo "enabled units:" $enabled   # one line (word splitting wanted)

# Boot work the lab does not need (each costs seconds of emulated CPU at every boot): drbd-utils
# loads the drbd module at boot (lab tests load modules themselves); no logins via PAM, so no
# logind and no utmp; no graphics, binfmt, fuse or hugepages.
ln -sf /dev/null "$rootfs/etc/modules-load.d/drbd.conf"
for unit in systemd-logind.service modprobe@drm.service systemd-binfmt.service \
    proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount systemd-update-utmp.service \
    systemd-update-utmp-runlevel.service modprobe@fuse.service sys-fs-fuse-connections.mount \
    dev-hugepages.mount sys-kernel-tracing.mount; do
    ln -sf /dev/null "$rootfs/etc/systemd/system/$unit"
done

if [ "$backend" = qemu ]; then
    # A small initramfs: the guests boot from a virtio disk with ext4 and need nothing else early.
    # (Debian's default MODULES=most makes a 35 MB initrd that takes ~20 s to unpack under TCG.)
    sed -i 's/^MODULES=.*/MODULES=list/' "$rootfs/etc/initramfs-tools/initramfs.conf"
    printf '%s\n' virtio_pci virtio_blk virtio_net ext4 >>"$rootfs/etc/initramfs-tools/modules"
    chroot "$rootfs" update-initramfs -u -k all
else
    # UML boots without an initramfs (its root disk and NICs are built in). The modules of
    # user-mode-linux go where modprobe looks for them (the package keeps them in
    # /usr/lib/uml/modules; a symlink stays there); udev loads them as on any kernel.
    version=$(ls "$rootfs/usr/lib/uml/modules" | sort -V | tail -n 1)
    [ -n "$version" ] && [ -d "$rootfs/usr/lib/uml/modules/$version/kernel" ] ||
        { echo "configure.sh: no UML modules in $rootfs/usr/lib/uml/modules" >&2; exit 1; }
    mkdir -p "$rootfs/usr/lib/modules"
    mv "$rootfs/usr/lib/uml/modules/$version" "$rootfs/usr/lib/modules/$version"
    ln -s "../../modules/$version" "$rootfs/usr/lib/uml/modules/$version"
    chroot "$rootfs" depmod -a "$version"
    echo "UML modules: /lib/modules/$version ($(find "$rootfs/usr/lib/modules/$version" -name '*.ko*' | wc -l) modules)"
    # The console's input is /dev/null (the lab talks to guests over ssh): no getty on it,
    # which would end at once and be restarted over and over.
    ln -sf /dev/null "$rootfs/etc/systemd/system/getty@tty1.service"
fi

# Drop what only made the installation: downloaded packages and package lists.
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
rm -f "$rootfs"/var/cache/apt/*.bin
