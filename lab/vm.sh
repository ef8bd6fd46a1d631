# lab/vm.sh — the lab's guests: per-run disks, the boot script of each guest, start and stop.
#
# Sourced by lab/lab (after lib.sh and net.sh). Per guest VM, in $LAB_RUN:
#   VM.qcow2           overlay on the image's base.qcow2 (fresh every `lab up`)
#   VM-disk1.raw, VM-disk2.raw   the storage nodes' two extra disks (sparse, fresh every `lab up`),
#                      in the guest /dev/vdb and /dev/vdc, also /dev/disk/by-id/virtio-VM-disk1/2
#   VM.boot            the boot script (also what the fence service runs for "on")
#   VM.pid  VM.qmp     QEMU's pidfile and QMP socket (the fence service's power switch)
#   VM.serial          everything the guest wrote on its serial console (appended across boots)
#   VM.console         unix socket of that console (interactive, e.g. with python or socat)
#   VM.qemu.log        QEMU's own messages

# lab_vm_prepare VM IMAGE_DIR — create the disks and write the boot script.
# PCI slots are fixed so that the guest's names are too: root disk 03 (vda), extra disks 04/05
# (vdb/vdc), NICs 06.. in the order of lab_links_of, RNG 0a.
lab_vm_prepare() {
    local vm=$1 image=$2 n=${LAB_N[$1]} kernel run=$LAB_RUN
    qemu-img create -q -f qcow2 -F qcow2 -b "$image/base.qcow2" "$run/$vm.qcow2"
    kernel=$image/vmlinux; [ -f "$kernel" ] || kernel=$image/vmlinuz
    local append="root=/dev/vda rw console=ttyS0 net.ifnames=0 panic=10"
    append+=" systemd.hostname=$vm systemd.machine_id=$(printf '1ab%027d%02d' 0 "$n")"
    append+=" lab.host=$vm lab.n=$n"
    [ "$vm" = client ] && append+=" lab.vlans=$(IFS=,; echo "${LAB_VLANS[*]}")"

    local args=(-name "$vm,process=halolab-$vm" -accel tcg,tb-size=256 -cpu "${HALO_LAB_CPU:-max}"
        -m "$LAB_MEM_MIB" -smp 1 -nodefaults -no-user-config -display none -vga none
        -kernel "$kernel" -initrd "$image/initrd" -append "$append"
        -drive "file=$run/$vm.qcow2,if=none,id=root,format=qcow2,cache=unsafe,discard=unmap"
        -device virtio-blk-pci,drive=root,addr=0x3
        -device virtio-rng-pci,addr=0xa
        -chardev "socket,id=console,path=$run/$vm.console,server=on,wait=off,logfile=$run/$vm.serial,logappend=on"
        -serial chardev:console
        -qmp "unix:$run/$vm.qmp,server=on,wait=off"
        -pidfile "$run/$vm.pid" -daemonize)
    local d link i=0 mtu
    if [[ " ${LAB_NODES[*]} " == *" $vm "* ]]; then
        for d in 1 2; do
            truncate -s "$LAB_DISK_SIZE" "$run/$vm-disk$d.raw"
            args+=(-drive "file=$run/$vm-disk$d.raw,if=none,id=disk$d,format=raw,cache=unsafe"
                -device "virtio-blk-pci,drive=disk$d,serial=$vm-disk$d,addr=0x$((3 + d))")
        done
    fi
    for link in $(lab_links_of "$vm"); do
        mtu=1500; [ "$link" = trunk ] && mtu=$LAB_TRUNK_MTU
        args+=(-netdev "tap,id=$link,ifname=$vm-$link,script=no,downscript=no"
            -device "virtio-net-pci,netdev=$link,mac=52:54:00:0$i:00:$n,host_mtu=$mtu,addr=0x$((6 + i))")
        i=$((i + 1))
    done

    {
        echo "#!/bin/bash"
        echo "# Boots lab guest $vm from its overlay and disks in $run; written by 'lab/lab up',"
        echo "# also run by the lab fence service to power $vm on again."
        echo "log=$(printf '%q' "$run/$vm.qemu.log")"
        echo 'echo "$(date -u +%FT%TZ) boot" >>"$log"'
        echo "ip netns exec $LAB_NS qemu-system-x86_64 \\"
        local a; for a in "${args[@]}"; do printf '    %q \\\n' "$a"; done
        echo '    2>>"$log" || { tail -n 5 "$log" >&2; exit 1; }'
    } >"$run/$vm.boot"
}

lab_vm_start() { bash "$LAB_RUN/$1.boot"; }

# lab_vm_stop VM — stop a guest's QEMU by its pidfile: SIGTERM (QEMU exits, flushing its disks),
# SIGKILL after 10 s.
lab_vm_stop() {
    local vm=$1 pid i
    pid=$(lab_vm_pid "$vm") || return 0
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 100); do
        [ -d "/proc/$pid" ] || return 0
        sleep 0.1
    done
    lab_warn "$vm: qemu $pid ignored SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
}

# CPU time (user + system, seconds) a guest's QEMU has used: the work of a boot, independent of
# how many host cores other work leaves the lab.
lab_vm_cpu_s() {
    local pid; pid=$(lab_vm_pid "$1") || { echo 0; return; }
    awk -v hz="$(getconf CLK_TCK)" '{printf "%.1f\n", ($14 + $15) / hz}' "/proc/$pid/stat"
}

# Resident memory of a guest's QEMU in MiB.
lab_vm_rss_mib() {
    local pid; pid=$(lab_vm_pid "$1") || { echo 0; return; }
    awk '/^VmRSS:/ {printf "%d\n", $2 / 1024}' "/proc/$pid/status"
}
