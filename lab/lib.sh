# lab/lib.sh — shared definitions and helpers of the halo VM lab.
#
# Sourced (never executed) by lab/lab, the image build and every lab/tests/*.sh. It defines the
# topology constants and cache paths, logging, remote execution in guests over ssh, waiting,
# output capture in the fixture format of reference/captures, and small helpers for tests.
# Sourcing it has no side effects besides defining variables and functions.

LAB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
LAB_REPO=$(dirname "$LAB_DIR")

# Backend: how the guests run. "uml" (the default): User-Mode Linux, Debian's user-mode-linux
# kernel (6.1, ARCH=um) as host processes, near-real speed. "qemu": Debian's own amd64 kernel
# under QEMU's software emulation (TCG), 10-30x slower per process, but the kernel and module
# builds a Debian storage node runs. Chosen by HALO_LAB_BACKEND (lab/lab --backend sets it);
# without it, the backend of the lab that is up (LAB_BACKEND_FILE), else uml. One lab at a
# time on a machine, whichever backend: both use the namespace $LAB_NS.
LAB_NS=halolab
LAB_BACKEND_FILE=/run/halolab.backend
lab_running_backend() {
    [ -e "/run/netns/$LAB_NS" ] || return 1
    # A lab up without the file was started by a checkout from before the UML backend: QEMU.
    cat "$LAB_BACKEND_FILE" 2>/dev/null || echo qemu
}
if [ -n "${HALO_LAB_BACKEND:-}" ]; then
    LAB_BACKEND=$HALO_LAB_BACKEND
elif ! LAB_BACKEND=$(lab_running_backend); then
    LAB_BACKEND=uml
fi
case $LAB_BACKEND in
    uml|qemu) ;;
    *) echo "lab: unknown backend '$LAB_BACKEND' (HALO_LAB_BACKEND: uml or qemu)" >&2; exit 2 ;;
esac
# What this process started (lab/lab, e2e/run, a test) works on the same backend.
LAB_BACKEND_EXPLICIT=${HALO_LAB_BACKEND:-}
export HALO_LAB_BACKEND=$LAB_BACKEND
# The backend's name for people and result headers.
lab_backend_label() {
    case $LAB_BACKEND in
        uml) echo "UML (User-Mode Linux, Debian's user-mode-linux kernel)" ;;
        qemu) echo "QEMU (TCG software emulation, Debian's amd64 kernel)" ;;
    esac
}

# Cache: image builds keyed by recipe hash, plus the state of the running lab (run/); one
# directory per backend, so that neither backend's build prunes the other's image.
if [ "$LAB_BACKEND" = qemu ]; then
    LAB_CACHE=${HALO_LAB_CACHE:-/var/cache/halo/lab}
else
    LAB_CACHE=${HALO_LAB_UML_CACHE:-/var/cache/halo/uml}
fi
LAB_RUN=$LAB_CACHE/run

# Topology. Everything lives in the network namespace $LAB_NS; only 198.18.0.0/15 is used.
LAB_VMS=(node1 node2 client)
LAB_NODES=(node1 node2)               # storage nodes: replication link + two extra disks each
declare -A LAB_N=([node1]=11 [node2]=12 [client]=13)   # last octet, MAC suffix, machine-id suffix
LAB_MGMT_NET=198.18.0                 # /24 on br-mgmt: guests .N, host side .254
LAB_REPL_NET=198.18.1                 # /24 on br-repl: node1 .11, node2 .12
LAB_HOST_IP=198.18.0.254
LAB_FENCE_PORT=8088                   # fence service (lab/fenced) on $LAB_HOST_IP
LAB_SERVE_PORT=8089                   # lab_serve_file: one file to guests over plain TCP
LAB_VLANS=(24 25 26 27 28 29)         # portal VLANs on br-trunk; VLAN v uses 198.19.v.N/24
LAB_TRUNK_MTU=9000
# Guest memory: QEMU's TCG needs more room than a UML guest (whose memory is a file on /dev/shm,
# used as touched).
if [ "$LAB_BACKEND" = qemu ]; then LAB_MEM_MIB=${HALO_LAB_MEM_MIB:-1280}; else LAB_MEM_MIB=${HALO_LAB_MEM_MIB:-1024}; fi
LAB_DISK_SIZE=512M                    # each of the two extra disks of a storage node (vdb, vdc)
# The extra disks' names in the guests, the same on both backends: /dev/vdb and /dev/vdc (QEMU's
# virtio disks; on UML udev symlinks to ubdb and ubdc), and a by-id name from the disk's serial,
# NODE-diskN: /dev/disk/by-id/virtio-NODE-diskN (QEMU, udev's own rule) or ubd-NODE-diskN (UML,
# the lab's rule). lab_disk_kname VM /dev/vdX gives the kernel's name (vdb or ubdb).
declare -A LAB_DISK_BY_ID_PREFIX=([qemu]=virtio- [uml]=ubd-)
LAB_BOOT_TIMEOUT=${HALO_LAB_BOOT_TIMEOUT:-300}

LAB_T0=${LAB_T0:-$(date +%s)}

# --- logging ---------------------------------------------------------------------------------

lab_elapsed() { local s=$(( $(date +%s) - LAB_T0 )); printf '%d:%02d' $((s / 60)) $((s % 60)); }
lab_say()  { printf '[lab %s] %s\n' "$(lab_elapsed)" "$*" >&2; }
lab_warn() { printf '[lab %s] WARNING: %s\n' "$(lab_elapsed)" "$*" >&2; }
lab_die()  { printf '[lab %s] ERROR: %s\n' "$(lab_elapsed)" "$*" >&2; exit 1; }

# Monotonic-enough wall clock in milliseconds, for measurements.
lab_now_ms() { date +%s%3N; }

# --- recipe hashes ---------------------------------------------------------------------------

# Hash of the backend's name and the given files and directories (paths relative to lab/image,
# and contents; not modes, which depend on the checkout's umask: configure.sh sets the modes
# that matter).
_lab_hash_of() {
    { echo "backend $LAB_BACKEND"
      (cd "$LAB_DIR/image" && find "$@" -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum); } |
        sha256sum | cut -c1-16
}
# The debootstrap stage depends only on the package lists and its script.
lab_bootstrap_hash() { _lab_hash_of packages "packages.$LAB_BACKEND" bootstrap.sh; }
# The finished image depends on the whole recipe directory but the other backend's own files
# (packages.OTHER, files-OTHER/, host-OTHER/).
lab_recipe_hash() {
    local other=qemu; [ "$LAB_BACKEND" = qemu ] && other=uml
    # shellcheck disable=SC2046
    _lab_hash_of $(cd "$LAB_DIR/image" && ls -A | grep -vx -e "packages.$other" -e "files-$other" -e "host-$other")
}
lab_image_dir() { echo "$LAB_CACHE/$(lab_recipe_hash)"; }

# --- namespace and guests --------------------------------------------------------------------

lab_ns() { ip netns exec "$LAB_NS" "$@"; }
lab_is_up() { [ -e "/run/netns/$LAB_NS" ]; }
# A lab is stale when its namespace outlived every process of it (a killed run, a rebooted
# host's leftovers): no guest process and no fence service alive. Such a lab may be torn down
# without asking; a live one never is.
lab_is_stale() {
    lab_is_up || return 1
    local vm pid
    # A lab of the other backend is never judged with this backend's files.
    [ "$(lab_running_backend)" = "$LAB_BACKEND" ] || return 1
    for vm in "${LAB_VMS[@]}"; do lab_vm_pid "$vm" >/dev/null && return 1; done
    pid=$(cat "$LAB_RUN/fenced.pid" 2>/dev/null) &&
        tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q halolab-fenced && return 1
    return 0
}
lab_require_up() {
    lab_is_up || lab_die "the lab is not up (run: lab/lab up)"
    local running; running=$(lab_running_backend)
    [ "$running" = "$LAB_BACKEND" ] ||
        lab_die "the lab that is up runs on $running, not $LAB_BACKEND (HALO_LAB_BACKEND=$running, or lab/lab down first)"
}
lab_ip() { echo "$LAB_MGMT_NET.${LAB_N[$1]:?unknown guest $1}"; }
lab_check_vm() { [ -n "${LAB_N[$1]:-}" ] || lab_die "unknown guest '$1' (guests: ${LAB_VMS[*]})"; }

# The guest's host process: its pidfile (QEMU's -pidfile; UML's own, in its umid directory) and
# the word of its command line that names the guest (QEMU "-name VM,...", UML "umid=halolab-VM").
# A UML guest is a process group (the kernel process, which is the group leader, and one host
# process per guest address space); the pidfile names the leader.
lab_vm_pidfile() {
    if [ "$LAB_BACKEND" = uml ]; then echo "$LAB_RUN/uml/halolab-$1/pid"; else echo "$LAB_RUN/$1.pid"; fi
}
lab_vm_marker() {
    if [ "$LAB_BACKEND" = uml ]; then echo "umid=halolab-$1 "; else echo "-name $1,"; fi
}

# PID of a guest's QEMU or UML kernel process, from its pidfile, only if that process is alive
# and is that guest's (a zombie has an empty command line).
lab_vm_pid() {
    local pid
    pid=$(cat "$(lab_vm_pidfile "$1")" 2>/dev/null) || return 1
    pid=${pid//[!0-9]/}
    [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$(lab_vm_marker "$1")" || return 1
    echo "$pid"
}

# lab_vm_power_cut PID — the guest loses power at once: SIGKILL to its QEMU process, or to its
# UML kernel's whole process group (every guest process is a host process of that group). PID
# is lab_vm_pid's, taken before (the e2e crash takes it before its trigger time).
lab_vm_power_cut() {
    if [ "$LAB_BACKEND" = uml ]; then kill -KILL -- "-$1"; else kill -KILL "$1"; fi
}

# lab_disk_kname VM PATH — the kernel's name of a guest's disk (/dev/vdb: vdb on QEMU, ubdb on UML).
lab_disk_kname() { lab_ssh "$1" sh -c 'basename "$(readlink -f "$1")"' sh "$2" </dev/null; }

# --- ssh into guests -------------------------------------------------------------------------

# Options shared by every ssh/scp call (ssh keeps the FIRST value given for an option, so
# call-specific options go before these). A master connection per guest (lab_master_start)
# makes later calls cheap; without one (or when it died with its guest) ssh connects directly.
lab_ssh_opts() {
    LAB_SSH_OPTS=(-i "$LAB_RUN/id_ed25519" -o BatchMode=yes -o StrictHostKeyChecking=no
        -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5
        -o ServerAliveInterval=2 -o ServerAliveCountMax=3 -o "ControlPath=$LAB_RUN/ssh/%h")
}

# lab_ssh VM [--] ARGV... — run ARGV in the guest (each word quoted, no re-splitting); returns
# the remote exit status (255 = ssh itself failed). stdin is passed through.
lab_ssh() { lab_ssh_command "$@"; "${LAB_SSH_COMMAND[@]}"; }

# lab_ssh_command VM [--] ARGV... — the host's argv that runs ARGV in the guest, as lab_ssh does,
# into the array LAB_SSH_COMMAND: for a caller that runs it itself (a recorder in the background).
lab_ssh_command() {
    local vm=$1; shift; lab_check_vm "$vm"
    [ "${1:-}" = "--" ] && shift
    [ $# -gt 0 ] || lab_die "lab_ssh $vm: no command"
    lab_ssh_opts
    LAB_SSH_COMMAND=(ip netns exec "$LAB_NS" ssh "${LAB_SSH_OPTS[@]}" "root@$(lab_ip "$vm")" -- "$(printf '%q ' "$@")")
}

# lab_sh VM SCRIPT — run a bash script text in the guest (set -e is NOT implied).
lab_sh() { local vm=$1; shift; lab_ssh "$vm" bash -c "$1"; }

# lab_copy VM SRC... DST — copy host files/directories into the guest.
lab_copy() {
    local vm=$1; shift; lab_check_vm "$vm"
    [ $# -ge 2 ] || lab_die "usage: lab copy VM SRC... DST"
    local dst=${*: -1} srcs=("${@:1:$#-1}")
    lab_ssh_opts
    lab_ns scp -q -r "${LAB_SSH_OPTS[@]}" "${srcs[@]}" "root@$(lab_ip "$vm"):$dst"
}

# lab_fetch VM SRC DST — copy a guest file/directory to the host.
lab_fetch() {
    local vm=$1; lab_check_vm "$vm"; lab_ssh_opts
    lab_ns scp -q -r "${LAB_SSH_OPTS[@]}" "root@$(lab_ip "$vm"):$2" "$3"
}

# Start (or restart) the background master connection to a guest; its PID goes to ssh/VM.pid.
lab_master_start() {
    local vm=$1 ip; ip=$(lab_ip "$vm"); lab_ssh_opts
    mkdir -p "$LAB_RUN/ssh"
    lab_master_stop "$vm"
    lab_ns ssh -o ControlMaster=yes -o ControlPersist=yes "${LAB_SSH_OPTS[@]}" -f -N \
        "root@$ip" </dev/null >>"$LAB_RUN/ssh/masters.log" 2>&1 || return 1
    lab_ns ssh "${LAB_SSH_OPTS[@]}" -O check "root@$ip" 2>&1 |
        sed -n 's/.*pid=\([0-9]*\).*/\1/p' >"$LAB_RUN/ssh/$vm.pid"
}

# Stop a guest's master connection by its PID (it is ours: started by lab_master_start).
lab_master_stop() {
    local vm=$1 pid
    pid=$(cat "$LAB_RUN/ssh/$vm.pid" 2>/dev/null) || true
    if [ -n "$pid" ] && tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q '^ssh .*-N'; then
        kill "$pid" 2>/dev/null || true
    fi
    rm -f "$LAB_RUN/ssh/$vm.pid" "$LAB_RUN/ssh/$(lab_ip "$vm")"
}

# Bounded wait until a guest runs commands over ssh; on timeout, point at its serial log.
# lab_wait_ssh VM [TIMEOUT_S]
lab_wait_ssh() {
    local vm=$1 timeout=${2:-$LAB_BOOT_TIMEOUT} start; start=$(date +%s)
    lab_ssh_opts
    while :; do
        if lab_ns ssh -o ConnectTimeout=3 -o ControlPath=none "${LAB_SSH_OPTS[@]}" \
            "root@$(lab_ip "$vm")" true </dev/null >/dev/null 2>&1; then
            lab_master_start "$vm" || lab_warn "$vm: no ssh master connection (calls stay direct)"
            # UML: ssh answers before udev has worked through the boot's device events (no
            # initramfs did it): wait for them, so that /dev/vdb, /dev/vdc and the modules udev
            # loads are there when a test starts.
            if [ "$LAB_BACKEND" = uml ] && ! lab_ssh "$vm" udevadm settle --timeout=120 </dev/null; then
                lab_die "$vm: udev did not settle within 120 s"
            fi
            return 0
        fi
        if ! lab_vm_pid "$vm" >/dev/null; then
            lab_serial_tail "$vm"
            lab_die "$vm: its $LAB_BACKEND process is not running (console log: $LAB_RUN/$vm.serial, $LAB_BACKEND log: $LAB_RUN/$vm.$LAB_BACKEND.log)"
        fi
        if [ $(( $(date +%s) - start )) -ge "$timeout" ]; then
            lab_serial_tail "$vm"
            lab_die "$vm: no ssh answer within ${timeout}s (console log: $LAB_RUN/$vm.serial)"
        fi
        sleep 2
    done
}

lab_serial_tail() {
    echo "---- last lines of $LAB_RUN/$1.serial ----" >&2
    tail -n 20 "$LAB_RUN/$1.serial" 2>/dev/null | tr -d '\r' >&2 || true
    echo "----" >&2
}

# --- fence service ---------------------------------------------------------------------------

# lab_fence_request ACTION [VM] — ask the host-side fence service (as a guest's fence agent does);
# prints its JSON answer, returns 0 if it answered ok.
lab_fence_request() {
    local method=GET
    case $1 in on|off|reset) method=POST ;; esac
    lab_ns /usr/bin/python3 - "$method" "http://$LAB_HOST_IP:$LAB_FENCE_PORT/$1${2:+/$2}" <<'EOF'
import json, sys, urllib.request, urllib.error
try:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(urllib.request.Request(sys.argv[2], method=sys.argv[1]), timeout=60) as r:
        body = r.read().decode()
except urllib.error.HTTPError as e:
    body = e.read().decode()
print(body)
sys.exit(0 if json.loads(body).get("ok") else 1)
EOF
}

# --- bulk copies into guests ------------------------------------------------------------------

# lab_serve_file FILE COUNT — serve FILE to the next COUNT connections to $LAB_HOST_IP:$LAB_SERVE_PORT
# (raw bytes, then close; a guest reads it with bash's /dev/tcp), for at most 300 s; prints the
# server's PID for lab_serve_stop. ssh moves ~3 MB/s under TCG (the guest's cipher work), a plain
# socket ~30 MB/s.
lab_serve_file() {
    local file=$1 count=$2 pid i
    ip netns exec "$LAB_NS" /usr/bin/python3 -c '
import socket, sys, threading
host, port, path, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
server = socket.create_server((host, port), reuse_port=False)
server.settimeout(300)
print("ready", flush=True)
def send(conn):
    with conn, open(path, "rb") as f:
        conn.sendfile(f)
        conn.shutdown(socket.SHUT_WR)
threads = []
for _ in range(count):
    conn, _ = server.accept()
    conn.settimeout(300)
    t = threading.Thread(target=send, args=(conn,)); t.start(); threads.append(t)
for t in threads: t.join()
' "$LAB_HOST_IP" "$LAB_SERVE_PORT" "$file" "$count" </dev/null >"$LAB_RUN/serve.log" 2>&1 &
    pid=$!
    for i in $(seq 50); do
        grep -q ready "$LAB_RUN/serve.log" 2>/dev/null && { echo "$pid"; return 0; }
        [ -d "/proc/$pid" ] || break
        sleep 0.1
    done
    cat "$LAB_RUN/serve.log" >&2
    kill "$pid" 2>/dev/null
    return 1
}

# lab_serve_stop PID — end a lab_serve_file server (it ends by itself after COUNT transfers).
lab_serve_stop() {
    local i
    for i in $(seq 20); do [ -d "/proc/$1" ] || return 0; sleep 0.1; done
    kill "$1" 2>/dev/null || true
    wait "$1" 2>/dev/null || true
}

# --- output capture (format of shared/reference/captures/README.md) ----------------------------

# lab_capture DIR TOOL STATE VM COMMAND — run COMMAND (through bash -c) in VM and store stdout as
# DIR/TOOL-STATE-VM.txt with a '# command:' header; stderr, if any, goes to the .stderr.txt twin.
# Returns the command's exit status.
lab_capture() {
    local dir=$1 tool=$2 state=$3 vm=$4 cmd=$5 out err rc when
    mkdir -p "$dir"
    out=$(mktemp) err=$(mktemp)
    when=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    lab_sh "$vm" "$cmd" </dev/null >"$out" 2>"$err" && rc=0 || rc=$?
    local base="$dir/$tool-$state-$vm" header
    header=$(printf '# command: %s\n# state: %s\n# host: %s\n# exit: %s\n# captured: %s' \
        "$cmd" "$state" "$vm" "$rc" "$when")
    {
        echo "$header"
        [ -s "$err" ] && echo "# stderr: see $(basename "$base").stderr.txt"
        cat "$out"
    } >"$base.txt"
    if [ -s "$err" ]; then
        { echo "$header"; echo "# stream: stderr"; cat "$err"; } >"$base.stderr.txt"
    fi
    rm -f "$out" "$err"
    return "$rc"
}

# --- helpers for tests -----------------------------------------------------------------------

# lab_step TEXT — progress line inside a test.
lab_step() { printf '  [%s] %s\n' "$(lab_elapsed)" "$*"; }

# lab_expect DESCRIPTION COMMAND... — run a host-side command; on failure print and exit 1.
# Prints the time the command took when it was a second or more.
lab_expect() {
    local what=$1 t0 ms; shift
    t0=$(lab_now_ms)
    if "$@"; then
        ms=$(( $(lab_now_ms) - t0 ))
        if [ "$ms" -ge 1000 ]; then printf '  ok: %s (%s ms)\n' "$what" "$ms"; else printf '  ok: %s\n' "$what"; fi
    else
        printf '  FAILED: %s\n' "$what"; exit 1
    fi
}

# lab_full — true when the test runs under `lab/lab test --full` (HALO_LAB_FULL=1): the long
# scenarios (Pacemaker-level, power cycles, exhaustive sweeps) run only then.
lab_full() { [ "${HALO_LAB_FULL:-0}" = 1 ]; }

# lab_full_only WHAT — a whole test that runs only with --full: otherwise it says so and ends as
# SKIP (exit 77).
lab_full_only() {
    lab_full && return 0
    echo "SKIPPED: $1 — runs with lab/lab test --full"
    exit 77
}

# lab_match STRING REGEX — for lab_expect: does STRING match the extended REGEX?
lab_match() { [[ $1 =~ $2 ]]; }

# lab_wait_until TIMEOUT_S DESCRIPTION COMMAND... — poll COMMAND every second until it succeeds;
# prints how long it took, exits the test on timeout.
lab_wait_until() {
    local timeout=$1 what=$2 t0; shift 2; t0=$(lab_now_ms)
    while ! "$@" >/dev/null 2>&1; do
        if [ $(( ($(lab_now_ms) - t0) / 1000 )) -ge "$timeout" ]; then
            printf '  FAILED: %s (not within %ss)\n' "$what" "$timeout"; exit 1
        fi
        sleep 1
    done
    printf '  ok: %s (%s ms)\n' "$what" $(( $(lab_now_ms) - t0 ))
}

# --- running OCF agents in guests --------------------------------------------------------------

# lab_agent VM AGENT ACTION [NAME=VALUE...] — run an installed OCF agent in a guest, the way
# Pacemaker would: a clean environment (env -i) with OCF_ROOT, a 20 s operation timeout unless
# given, and the given variables. NAME=VALUE with a lower-case NAME or a CRM_meta_* NAME becomes
# OCF_RESKEY_NAME (a resource parameter / meta attribute); any other NAME is passed as it is
# (OCF_RESOURCE_INSTANCE, OCF_CHECK_LEVEL, HA_RSCTMP, ...). AGENT is "halo/portal",
# "heartbeat/crypt", ... or a bare halo agent name. Prints stdout and stderr (merged), returns
# the agent's exit status.
lab_agent() {
    local vm=$1 agent=$2 action=$3 kv name envs=()
    shift 3
    [[ $agent == */* ]] || agent=halo/$agent
    envs=(PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf OCF_RESKEY_CRM_meta_timeout=20000)
    for kv in "$@"; do
        name=${kv%%=*}
        if [[ $name =~ ^[a-z] || $name == CRM_meta_* ]]; then envs+=("OCF_RESKEY_$kv"); else envs+=("$kv"); fi
    done
    lab_ssh "$vm" env -i "${envs[@]}" "/usr/lib/ocf/resource.d/$agent" "$action" </dev/null 2>&1
}

# lab_expect_rc DESCRIPTION RC COMMAND... — run COMMAND, expect exit status RC (a number, or
# several as "1|190"); the output goes to $LAB_OUT and its last ocf-exit-reason to $LAB_REASON.
# On a mismatch print the output and exit 1. The elapsed milliseconds are in $LAB_MS.
lab_expect_rc() {
    local what=$1 want=$2 rc t0; shift 2
    t0=$(lab_now_ms)
    LAB_OUT=$("$@" 2>&1) && rc=0 || rc=$?
    LAB_MS=$(( $(lab_now_ms) - t0 ))
    LAB_REASON=$(printf '%s\n' "$LAB_OUT" | sed -n 's/^ocf-exit-reason://p' | tail -n 1)
    if [[ "|$want|" == *"|$rc|"* ]]; then
        printf '  ok: %s → %s%s (%s ms)\n' "$what" "$rc" "${LAB_REASON:+: $LAB_REASON}" "$LAB_MS"
    else
        printf '  FAILED: %s → exit %s, expected %s; output:\n' "$what" "$rc" "$want"
        printf '%s\n' "$LAB_OUT" | tail -n 40 | sed 's/^/    | /'
        exit 1
    fi
}

# lab_expect_reason DESCRIPTION REGEX — the last lab_expect_rc's exit reason matches REGEX
# (extended, case-sensitive).
lab_expect_reason() {
    if [[ $LAB_REASON =~ $2 ]]; then
        printf '  ok: %s\n' "$1"
    else
        printf '  FAILED: %s: the exit reason "%s" does not match /%s/\n' "$1" "$LAB_REASON" "$2"
        exit 1
    fi
}

# lab_expect_output DESCRIPTION REGEX — the last lab_expect_rc's output matches REGEX.
lab_expect_output() {
    if [[ $LAB_OUT =~ $2 ]]; then
        printf '  ok: %s\n' "$1"
    else
        printf '  FAILED: %s: /%s/ not in the output:\n' "$1" "$2"
        printf '%s\n' "$LAB_OUT" | tail -n 40 | sed 's/^/    | /'
        exit 1
    fi
}

# --- halo's Debian packages in the guests (lab/tests/55-halo.sh, the e2e's upgrade event) ---------

LAB_HALO_PACKAGES=(halo-agents halod haloctl)

# lab_debs_in DIR — the .deb of each halo package in DIR (not the -dbgsym ones), one per line;
# fails when one is missing.
lab_debs_in() {
    local p f
    for p in "${LAB_HALO_PACKAGES[@]}"; do
        f=$(ls "$1/${p}"_*.deb 2>/dev/null | head -n 1)
        [ -n "$f" ] || return 1
        echo "$f"
    done
}

# lab_stage_debs VM SRC DEST — the halo .debs of SRC, and nothing else, in the guest's DEST
# (emptied first: a reused guest keeps no other version to be installed beside them).
lab_stage_debs() {
    local vm=$1 src=$2 dest=$3 debs
    mapfile -t debs < <(lab_debs_in "$src") || true
    [ ${#debs[@]} = ${#LAB_HALO_PACKAGES[@]} ] || { lab_warn "$src lacks a package of: ${LAB_HALO_PACKAGES[*]}"; return 1; }
    lab_ssh "$vm" sh -c 'rm -rf "$1" && mkdir -p "$1"' sh "$dest" </dev/null && lab_copy "$vm" "${debs[@]}" "$dest/"
}

# lab_apt_install VM DIR — apt-get install every .deb in the guest's DIR; on failure, apt's last
# lines on stdout.
lab_apt_install() {
    lab_sh "$1" "cd '$2' && DEBIAN_FRONTEND=noninteractive apt-get install -y -q ./*.deb >/tmp/apt.log 2>&1 || { tail -n 20 /tmp/apt.log; exit 1; }" </dev/null
}

# lab_apt_purge VM — apt-get purge every halo package the guest has (installed, or its configuration left).
lab_apt_purge() {
    lab_sh "$1" "set -- \$(dpkg-query -W -f '\${db:Status-Abbrev} \${Package}\n' ${LAB_HALO_PACKAGES[*]} 2>/dev/null | awk '\$1 !~ /^.n/ {print \$2}')
        [ \$# = 0 ] || DEBIAN_FRONTEND=noninteractive apt-get purge -y -q \"\$@\" >/tmp/apt.log 2>&1 || { tail -n 20 /tmp/apt.log; exit 1; }" </dev/null
}

# lab_halo_versions VM — the installed version of each halo package, on one line.
lab_halo_versions() { lab_ssh "$1" dpkg-query -W -f '${Version} ' "${LAB_HALO_PACKAGES[@]}" </dev/null; }

# lab_halo_installed VM... — halo is installed in the guests (test 55 does it); else the test fails
# with a pointer to the test that installs it.
lab_halo_installed() {
    local vm
    for vm in "$@"; do
        lab_ssh "$vm" test -x /usr/lib/halo/halo-agent -a -x /usr/lib/halo/halo-conformance ||
            { echo "  FAILED: $vm has no halo installed (lab/tests/55-halo.sh installs it; run it first)"; exit 1; }
    done
}

# lab_result NAME VALUE — record a measurement of the current test (shown in the summary).
lab_result() {
    printf '  measured: %s = %s\n' "$1" "$2"
    [ -n "${LAB_RESULTS:-}" ] && printf '%s\t%s\t%s\n' "${LAB_TEST_NAME:-?}" "$1" "$2" >>"$LAB_RESULTS"
    return 0
}

source "$LAB_DIR/cluster.sh"
