#!/bin/bash
# lab/image/build.sh — build (or find) the lab image of the current backend (lib.sh's LAB_BACKEND)
# for the current recipe; print its directory.
#
# Cache layout under $LAB_CACHE (default /var/cache/halo/uml for UML, /var/cache/halo/lab for QEMU):
#   debootstrap-<hash>/   stage 1: the debootstrapped rootfs (keyed by the backend, packages,
#                         packages.BACKEND and bootstrap.sh)
#   <recipe-hash>/        stage 2: id_ed25519(.pub), packages.txt (installed versions),
#                         kernel-version, build.log, timings, ready, and the backend's boot files:
#                         QEMU base.qcow2, vmlinuz, vmlinux (PVH), initrd;
#                         UML base.img (raw ext4, the ubd COW files' backing file), linux.uml,
#                         uml-xstate.so (preloaded into linux.uml: host-uml/uml-xstate.c)
# A directory counts only once its `ready` file exists; a build works in NAME.tmp and renames.
# After a successful build, stale stage directories of other recipes are removed.
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

# The Debian mirror this host's apt uses for bookworm (HALO_LAB_MIRROR overrides).
lab_mirror() {
    if [ -n "${HALO_LAB_MIRROR:-}" ]; then echo "$HALO_LAB_MIRROR"; return; fi
    /usr/bin/python3 - <<'EOF'
import glob, re
def entries():
    for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
        for para in re.split(r"\n\s*\n", open(path).read()):
            f = dict(re.findall(r"^(\w[\w-]*):\s*(.*)$", para, re.M))
            if f.get("Enabled", "yes") != "no" and "deb" in f.get("Types", "").split():
                for uri in f.get("URIs", "").split():
                    yield uri, f.get("Suites", "").split()
    for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
        try:
            lines = open(path).read().splitlines()
        except OSError:
            continue
        for line in lines:
            words = re.sub(r"\[[^]]*\]", "", line.split("#")[0]).split()
            if len(words) >= 3 and words[0] == "deb":
                yield words[1], [words[2]]
print(next((u for u, s in entries() if "bookworm" in s), "http://deb.debian.org/debian"))
EOF
}

# Remove a directory tree that a failed debootstrap may have left with mounts inside.
lab_rm_tree() {
    [ -e "$1" ] || return 0
    local m
    for m in $(awk -v d="$1/" 'index($2, d) == 1 {print $2}' /proc/mounts | sort -r); do
        umount -l "$m" || true
    done
    rm -rf --one-file-system "$1"
}

# lab_with_progress LABEL LOG COMMAND... — run COMMAND (output to LOG), print its latest
# "I: ..." (debootstrap) or last log line every 15 s.
lab_with_progress() {
    local label=$1 log=$2 pid rc; shift 2
    "$@" >>"$log" 2>&1 &
    pid=$!
    while kill -0 "$pid" 2>/dev/null; do
        for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
            kill -0 "$pid" 2>/dev/null || break
            sleep 1
        done
        kill -0 "$pid" 2>/dev/null &&
            lab_say "$label: $( (grep '^I: ' "$log" || tail -n 1 "$log") | tail -n 1 | cut -c1-90)"
    done
    wait "$pid" && rc=0 || rc=$?
    return "$rc"
}

# Extract the uncompressed ELF kernel from a bzImage (xz payload). QEMU boots it through the PVH
# entry point, skipping the decompressor, which is slow under software emulation.
lab_extract_vmlinux() {
    /usr/bin/python3 - "$1" "$2" <<'EOF'
import lzma, sys
data = open(sys.argv[1], "rb").read()
at = data.find(b"\xfd7zXZ\x00")
if at < 0:
    sys.exit("no xz payload")
elf = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[at:])
if not elf.startswith(b"\x7fELF"):
    sys.exit("payload is not an ELF kernel")
open(sys.argv[2], "wb").write(elf)
EOF
}

build_bootstrap() {
    local dir=$1 mirror=$2 t0
    lab_rm_tree "$dir.tmp"
    mkdir -p "$dir.tmp"
    lab_say "image: debootstrap bookworm from $mirror (about 3 minutes; log: $dir.tmp/debootstrap.log)"
    t0=$(date +%s)
    if ! lab_with_progress "debootstrap" "$dir.tmp/debootstrap.log" \
        "$LAB_DIR/image/bootstrap.sh" "$mirror" "$dir.tmp/rootfs" "$dir.tmp/debootstrap.log" "$LAB_BACKEND"; then
        tail -n 15 "$dir.tmp/debootstrap.log" >&2
        lab_die "debootstrap failed; full log: $dir.tmp/debootstrap.log"
    fi
    echo "debootstrap_seconds=$(( $(date +%s) - t0 ))" >"$dir.tmp/timings"
    touch "$dir.tmp/ready"
    mv "$dir.tmp" "$dir"
    lab_say "image: debootstrap done in $(( $(date +%s) - t0 )) s"
}

build_image() {
    local dir=$1 boot=$2 mirror=$3 work=$1.tmp t0 kernel initrd
    t0=$(date +%s)
    lab_rm_tree "$work"
    mkdir -p "$work"
    ssh-keygen -q -t ed25519 -N '' -C halolab -f "$work/id_ed25519"
    lab_say "image: copying the rootfs"
    cp -a "$boot/rootfs" "$work/rootfs"
    lab_say "image: configuring the rootfs"
    "$LAB_DIR/image/configure.sh" "$work/rootfs" "$work/id_ed25519.pub" "$mirror" "$LAB_BACKEND" >>"$work/build.log" 2>&1 ||
        { tail -n 15 "$work/build.log" >&2; lab_die "configure failed; log: $work/build.log"; }
    chroot "$work/rootfs" dpkg-query -W -f '${Package} ${Version}\n' >"$work/packages.txt"
    local base
    if [ "$LAB_BACKEND" = uml ]; then
        # The kernel the host runs is the image's own (user-mode-linux, the same package as the
        # modules configure.sh put in /lib/modules).
        cp "$work/rootfs/usr/bin/linux.uml" "$work/linux.uml"
        ls "$work/rootfs/usr/lib/uml/modules" | sort -V | tail -n 1 >"$work/kernel-version"
        # The host side of UML on hosts with a large XSAVE area (host-uml/uml-xstate.c says why).
        gcc -shared -fPIC -O2 -Wall -o "$work/uml-xstate.so" "$LAB_DIR/image/host-uml/uml-xstate.c" -ldl \
            >>"$work/build.log" 2>&1 || { tail -n 15 "$work/build.log" >&2; lab_die "building uml-xstate.so failed (gcc, libc6-dev)"; }
        lab_say "image: making the filesystem base.img"
        base=base.img
        mkfs.ext4 -q -L root -E root_owner=0:0 -d "$work/rootfs" "$work/base.img" 4G
    else
        kernel=$(ls "$work/rootfs"/boot/vmlinuz-* | sort -V | tail -n 1)
        initrd=$(ls "$work/rootfs"/boot/initrd.img-* | sort -V | tail -n 1)
        cp "$kernel" "$work/vmlinuz"
        cp "$initrd" "$work/initrd"
        basename "$kernel" | sed 's/^vmlinuz-//' >"$work/kernel-version"
        if ! lab_extract_vmlinux "$work/vmlinuz" "$work/vmlinux" 2>>"$work/build.log"; then
            lab_warn "could not extract an ELF kernel; guests boot the bzImage (a few seconds slower)"
            rm -f "$work/vmlinux"
        fi
        lab_say "image: making the filesystem and base.qcow2"
        base=base.qcow2
        mkfs.ext4 -q -L root -E root_owner=0:0 -d "$work/rootfs" "$work/base.raw" 4G
        qemu-img convert -f raw -O qcow2 "$work/base.raw" "$work/base.qcow2"
        rm -f "$work/base.raw"
    fi
    lab_rm_tree "$work/rootfs"
    cat "$boot/timings" >"$work/timings"
    echo "image_seconds=$(( $(date +%s) - t0 ))" >>"$work/timings"
    touch "$work/ready"
    mv "$work" "$dir"
    lab_say "image ($LAB_BACKEND): ready in $(( $(date +%s) - t0 )) s: $dir ($(du -sh "$dir/$base" | cut -f1) $base)"
}

# Remove stage directories that belong to other recipes (keep the current ones).
prune() {
    local keep_image=$1 keep_boot=$2 d
    for d in "$LAB_CACHE"/*; do
        [ -d "$d" ] || continue
        case ${d##*/} in
            run|"${keep_image##*/}"|"${keep_boot##*/}") ;;
            debootstrap-*|[0-9a-f][0-9a-f][0-9a-f][0-9a-f]*)
                lab_say "image: removing stale cache $d"; lab_rm_tree "$d" ;;
        esac
    done
}

main() {
    # Only the image directory goes to stdout; everything else to stderr.
    exec 3>&1 1>&2
    [ "$(id -u)" = 0 ] || lab_die "building the lab image needs root (debootstrap, chroot)"
    mkdir -p "$LAB_CACHE"
    exec 9>"$LAB_CACHE/.build.lock"
    flock 9
    local image boot mirror
    image=$LAB_CACHE/$(lab_recipe_hash)
    boot=$LAB_CACHE/debootstrap-$(lab_bootstrap_hash)
    if [ -f "$image/ready" ]; then echo "$image" >&3; return 0; fi
    local tools=(debootstrap mkfs.ext4 ssh-keygen)
    if [ "$LAB_BACKEND" = qemu ]; then tools+=(qemu-img); else tools+=(gcc); fi
    for tool in "${tools[@]}"; do
        command -v "$tool" >/dev/null || lab_die "$tool is missing (apt-get install debootstrap qemu-utils e2fsprogs openssh-client)"
    done
    mirror=$(lab_mirror)
    [ -f "$boot/ready" ] || build_bootstrap "$boot" "$mirror"
    build_image "$image" "$boot" "$mirror"
    prune "$image" "$boot"
    echo "$image" >&3
}

main "$@"
