# lab/vm.sh — the lab's guests: per-run disks, the boot script of each guest, start and stop,
# for both backends (lib.sh's LAB_BACKEND).
#
# Sourced by lab/lab (after lib.sh and net.sh). Per guest VM, in $LAB_RUN:
#   VM.boot            the boot script (also what the fence service runs for "on")
#   VM-disk1.raw, VM-disk2.raw   the storage nodes' two extra disks (sparse, fresh every `lab up`),
#                      in the guest /dev/vdb and /dev/vdc (lib.sh: LAB_DISK_BY_ID_PREFIX)
#   VM.serial          everything the guest wrote on its console (appended across boots)
# QEMU:
#   VM.qcow2           overlay on the image's base.qcow2 (fresh every `lab up`)
#   VM.pid  VM.qmp     QEMU's pidfile and QMP socket (the fence service's power switch)
#   VM.console         unix socket of the serial console (interactive, e.g. with python or socat)
#   VM.qemu.log        QEMU's own messages
# UML:
#   VM.cow             the root disk's copy-on-write file over the image's base.img (ubd COW,
#                      fresh every `lab up`; kept across fence off/on like the other disks)
#   uml/halolab-VM/    UML's umid directory: its pidfile (pid) and management console socket
#                      (mconsole, the fence service's reset)
#   VM.uml.log         one line per boot
# A UML guest is the process group of its kernel process (started with setsid): every process
# in the guest is a host process of that group, so its power is the group.

# lab_vm_prepare VM IMAGE_DIR — create the disks and write the boot script.
lab_vm_prepare() {
    if [ "$LAB_BACKEND" = uml ]; then lab_vm_prepare_uml "$@"; else lab_vm_prepare_qemu "$@"; fi
}

# QEMU: PCI slots are fixed so that the guest's names are too: root disk 03 (vda), extra disks 04/05
# (vdb/vdc), NICs 06.. in the order of lab_links_of, RNG 0a.
lab_vm_prepare_qemu() {
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

# UML: ubd0 is the root disk (a COW file over the image's base.img), ubd1/ubd2 the storage
# nodes' extra disks with their serial (NODE-diskN; the image's udev rule makes /dev/vdb, /dev/vdc
# and /dev/disk/by-id/ubd-NODE-diskN of them); vec0.. the NICs in the order of lab_links_of, each
# on its tap with its MAC (the image's udev rule names them as on QEMU) and gro=1: without it the
# vector driver drops the host's large (GSO) frames and TCP crawls (reference/uml.md). The
# console goes to VM.serial; the guest runs under `nice -n $HALO_LAB_NICE` (default 0), with
# the image's uml-xstate.so preloaded (lab/image/host-uml/uml-xstate.c: hosts with AMX).
lab_vm_prepare_uml() {
    local vm=$1 image=$2 n=${LAB_N[$1]} run=$LAB_RUN
    mkdir -p "$run/uml"
    rm -f "$run/$vm.cow"    # ubd makes a fresh COW file over base.img when it is missing
    local args=("mem=${LAB_MEM_MIB}M" "umid=halolab-$vm" "uml_dir=$run/uml/"
        "ubd0=$run/$vm.cow,$image/base.img" root=/dev/ubda rw rootfstype=ext4
        con=null ssl=null con0=fd:0,fd:1 console=tty0 panic=10
        "systemd.hostname=$vm" "systemd.machine_id=$(printf '1ab%027d%02d' 0 "$n")"
        "lab.host=$vm" "lab.n=$n")
    [ "$vm" = client ] && args+=("lab.vlans=$(IFS=,; echo "${LAB_VLANS[*]}")")
    local d link i=0 mtu
    if [[ " ${LAB_NODES[*]} " == *" $vm "* ]]; then
        for d in 1 2; do
            truncate -s "$LAB_DISK_SIZE" "$run/$vm-disk$d.raw"
            args+=("ubd$d=$run/$vm-disk$d.raw,,$vm-disk$d")
        done
    fi
    for link in $(lab_links_of "$vm"); do
        mtu=1500; [ "$link" = trunk ] && mtu=$LAB_TRUNK_MTU
        args+=("vec$i:transport=tap,ifname=$vm-$link,mac=52:54:00:0$i:00:$n,mtu=$mtu,gro=1")
        i=$((i + 1))
    done

    {
        echo "#!/bin/bash"
        echo "# Boots lab guest $vm (User-Mode Linux) from its COW file and disks in $run; written"
        echo "# by 'lab/lab up', also run by the lab fence service to power $vm on again. Returns once"
        echo "# the kernel process has written its pidfile (10 s at most)."
        echo "log=$(printf '%q' "$run/$vm.uml.log") console=$(printf '%q' "$run/$vm.serial")"
        echo "pidfile=$(printf '%q' "$(lab_vm_pidfile "$vm")")"
        echo 'echo "$(date -u +%FT%TZ) boot" >>"$log"'
        echo 'rm -f "$pidfile"'
        echo "ip netns exec $LAB_NS setsid nice -n ${HALO_LAB_NICE:-0} env LD_PRELOAD=$(printf '%q' "$image/uml-xstate.so") $(printf '%q' "$image/linux.uml") \\"
        local a; for a in "${args[@]}"; do printf '    %q \\\n' "$a"; done
        echo '    </dev/null >>"$console" 2>&1 &'
        echo 'started=$!'
        echo 'for _ in $(seq 100); do'
        echo '    [ -s "$pidfile" ] && exit 0'
        echo '    kill -0 "$started" 2>/dev/null || { echo "linux.uml exited at once:" >&2; tail -n 5 "$console" >&2; exit 1; }'
        echo '    sleep 0.1'
        echo 'done'
        echo 'echo "no pidfile from linux.uml within 10 s ($pidfile)" >&2; exit 1'
    } >"$run/$vm.boot"
}

lab_vm_start() { bash "$LAB_RUN/$1.boot"; }

# lab_vm_group_alive PGID — a process of the group is still alive (zombies do not count: their
# memory and descriptors are gone, only their exit status waits for the reaper).
lab_vm_group_alive() {
    ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

# lab_vm_stop VM — stop a guest by its pidfile. QEMU: SIGTERM (QEMU exits, flushing its disks),
# SIGKILL after 10 s. UML: SIGKILL to its process group (the disks are thrown away or kept as
# they are; nothing in the guest needs a shutdown), then wait until the group is gone.
lab_vm_stop() {
    local vm=$1 pid i
    pid=$(lab_vm_pid "$vm") || return 0
    if [ "$LAB_BACKEND" = uml ]; then
        kill -KILL -- "-$pid" 2>/dev/null || true
        for i in $(seq 100); do
            lab_vm_group_alive "$pid" || return 0
            sleep 0.1
        done
        lab_warn "$vm: process group $pid still has live processes 10 s after SIGKILL"
        return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 100); do
        [ -d "/proc/$pid" ] || return 0
        sleep 0.1
    done
    lab_warn "$vm: qemu $pid ignored SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
}

# The host processes of a guest: its QEMU, or every process of its UML group.
lab_vm_processes() {
    local pid; pid=$(lab_vm_pid "$1") || return 1
    if [ "$LAB_BACKEND" = uml ]; then
        pgrep -g "$pid"
    else
        echo "$pid"
    fi
}

# CPU time (user + system, seconds) a guest has used: the work of a boot, independent of how
# many host cores other work leaves the lab. UML: every process of its group, plus what its
# ended children used (a guest's exited processes were host processes too).
lab_vm_cpu_s() {
    local pids; pids=$(lab_vm_processes "$1") || { echo 0; return; }
    # shellcheck disable=SC2086
    (cd /proc && cat $(printf '%s/stat ' $pids) 2>/dev/null) |
        awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); t += $12 + $13 + $14 + $15 } END { printf "%.1f\n", t / hz }'
}

# Resident memory of a guest in MiB: QEMU's RSS; UML: the kernel process's RSS, which holds
# the guest's memory file as far as the guest touched it (its other processes map parts of the
# same file and are not added).
lab_vm_rss_mib() {
    local pid; pid=$(lab_vm_pid "$1") || { echo 0; return; }
    awk '/^VmRSS:/ {printf "%d\n", $2 / 1024}' "/proc/$pid/status"
}
