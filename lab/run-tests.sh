#!/bin/bash
# lab/run-tests.sh — `lab/lab test`: the tests that need real kernels, run in the VM lab.
#
# usage: lab/lab test [--backend uml|qemu] [--reuse] [--keep] [--full] [PATTERN...]
#   --backend  run on this backend only (also HALO_LAB_BACKEND). Without it (and without --reuse
#            or --keep): the default run, every test on UML, then the tests whose header says
#            `# lab-default-run: ... qemu` once more on QEMU (Debian's own amd64 kernel; with
#            --full every test whose header says `# lab-backends: ... qemu`): each
#            backend with its own lab, summary and results, one after the other
#   PATTERN  run only lab/tests/*PATTERN*.sh (default: all, in file-name order)
#   --reuse  use the lab that is already up, on its backend (and leave it up)
#   --keep   leave the lab up afterwards (for debugging; lab/lab down when done); one backend
#            (--backend, default uml)
#   --full   also the long scenarios (HALO_LAB_FULL=1: Pacemaker-level DRBD fencing, the power
#            off/on cycle, exhaustive sweeps); without it they are SKIP or shortened, so that the
#            README's test command stays within its budget
#   --preflight  only check (and install what is missing): exit 0 when this machine can run the
#            lab (the backend given, default uml), 77 with a "LAB UNAVAILABLE: reason" line when
#            it cannot
# When this machine cannot run the lab it prints a line starting with "LAB SKIPPED:" and exits 0.
# Otherwise it installs what it needs (apt-get), builds/refreshes the image, boots the lab, runs
# each test (PASS/FAIL and wall time each), tears the lab down (also on failure or interrupt) and
# exits 1 if any test failed. A test that exits 77 is SKIP (its "SKIPPED: ..." line goes into the
# summary). Per-test output: $LAB_RUN/tests/NAME.log (LAB_RUN is the backend's: results of the
# two backends are never in one place or one summary). HALO_LAB=skip skips.
set -uo pipefail
all_args=("$@")
reuse=0 keep=0 patterns=() preflight_only=0 backend_given=${HALO_LAB_BACKEND:-} qemu_subset=${HALO_LAB_DEFAULT_SUBSET:-0}
while [ $# -gt 0 ]; do
    case $1 in
        --preflight) preflight_only=1 ;;
        --reuse) reuse=1 ;;
        --keep) keep=1 ;;
        --full) export HALO_LAB_FULL=1 ;;
        --backend) [ $# -ge 2 ] || { echo "lab test: --backend needs uml or qemu" >&2; exit 2; }
                   backend_given=$2; shift ;;
        --backend=*) backend_given=${1#*=} ;;
        -*) echo "usage: lab/lab test [--backend uml|qemu] [--reuse] [--keep] [--full] [PATTERN...]" >&2; exit 2 ;;
        *) patterns+=("$1") ;;
    esac
    shift
done

# The default run: both backends, one after the other, each in a run of this script of its own.
if [ -z "$backend_given" ] && [ "$reuse" = 0 ] && [ "$keep" = 0 ] && [ "$preflight_only" = 0 ]; then
    plan_start=$(date +%s%3N) rc_uml=0 rc_qemu=0
    echo "lab test: the default run: every test on UML, then the QEMU subset (tests with '# lab-$([ "${HALO_LAB_FULL:-0}" = 1 ] && echo backends || echo default-run): ... qemu')"
    HALO_LAB_BACKEND=uml HALO_LAB_DEFAULT_SUBSET=0 "$0" ${all_args[@]+"${all_args[@]}"} || rc_uml=$?
    t_mid=$(date +%s%3N)
    HALO_LAB_BACKEND=qemu HALO_LAB_DEFAULT_SUBSET=1 "$0" ${all_args[@]+"${all_args[@]}"} || rc_qemu=$?
    t_end=$(date +%s%3N)
    # A backend this machine cannot run exits 77 (its LAB SKIPPED line says why): skipped, not passed.
    outcome() { case $1 in 0) echo passed ;; 77) echo SKIPPED ;; *) echo FAILED ;; esac; }
    printf '=== lab test, default run: UML %s (%.1f s), QEMU subset %s (%.1f s), total %.1f s\n' \
        "$(outcome $rc_uml)" "$(awk "BEGIN{print ($t_mid-$plan_start)/1000}")" \
        "$(outcome $rc_qemu)" "$(awk "BEGIN{print ($t_end-$t_mid)/1000}")" \
        "$(awk "BEGIN{print ($t_end-$plan_start)/1000}")"
    { [ $rc_uml = 0 ] || [ $rc_uml = 77 ]; } && { [ $rc_qemu = 0 ] || [ $rc_qemu = 77 ]; }
    exit
fi
[ -n "$backend_given" ] && export HALO_LAB_BACKEND=$backend_given
source "$(dirname "$(readlink -f "$0")")/lib.sh"
source "$LAB_DIR/net.sh"
source "$LAB_DIR/vm.sh"
export HALO_LAB_BACKEND=$LAB_BACKEND   # the tests, lab/lab and e2e/run they start: the same backend

skip() {
    if [ "$preflight_only" = 1 ]; then echo "LAB UNAVAILABLE: $*"; exit 77; fi
    echo "LAB SKIPPED ($LAB_BACKEND): $* — the tests that need real kernels did not run on $LAB_BACKEND."
    # Under the default run (HALO_LAB_DEFAULT_SUBSET set by it) 77 tells it "skipped"; alone, 0.
    if [ -n "${HALO_LAB_DEFAULT_SUBSET:-}" ]; then exit 77; fi
    exit 0
}

if [ "$LAB_BACKEND" = qemu ]; then
    HOST_PACKAGES=(qemu-system-x86 qemu-utils debootstrap e2fsprogs openssh-client iproute2 python3 procps)
    HOST_TOOLS=(qemu-system-x86_64 qemu-img debootstrap mkfs.ext4 ssh ssh-keygen ip /usr/bin/python3 ps)
    NEED_MEM_MIB=5500 NEED_DISK_MIB=8000 NEED_DISK_CACHED_MIB=3000
else
    # The kernel (linux.uml) comes with the image, from the user-mode-linux package inside it.
    HOST_PACKAGES=(debootstrap e2fsprogs openssh-client iproute2 python3 procps gcc libc6-dev)
    HOST_TOOLS=(debootstrap mkfs.ext4 ssh ssh-keygen ip /usr/bin/python3 ps pgrep gcc /usr/include/x86_64-linux-gnu/sys/ptrace.h)
    NEED_MEM_MIB=$(( 3 * LAB_MEM_MIB + 1024 )) NEED_DISK_MIB=6000 NEED_DISK_CACHED_MIB=2500
fi

# --- can this machine run the lab? ------------------------------------------------------------

preflight() {
    [ "${HALO_LAB:-}" = skip ] && skip "HALO_LAB=skip is set"
    [ "$(id -u)" = 0 ] || skip "not root (the lab needs network namespaces, tap devices and debootstrap)"
    [ -c /dev/net/tun ] || skip "/dev/net/tun is missing (no tap devices for the guests)"
    local avail_kib need_mib=$NEED_MEM_MIB
    avail_kib=$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo)
    [ $((avail_kib / 1024)) -ge $need_mib ] ||
        skip "only $((avail_kib / 1024)) MiB RAM available, the three guests need about $need_mib MiB"
    if [ "$LAB_BACKEND" = uml ]; then
        # UML keeps each guest's memory in a file on /dev/shm.
        local shm_mib
        shm_mib=$(df -Pm /dev/shm 2>/dev/null | awk 'NR == 2 {print $4}')
        [ -n "$shm_mib" ] && [ "$shm_mib" -ge $((3 * LAB_MEM_MIB)) ] ||
            skip "/dev/shm has ${shm_mib:-no} MiB free, UML's three guests keep up to $((3 * LAB_MEM_MIB)) MiB there"
    fi
    local dir=$LAB_CACHE free_mib need_disk=$NEED_DISK_CACHED_MIB
    [ -f "$(lab_image_dir)/ready" ] || need_disk=$NEED_DISK_MIB
    while [ ! -d "$dir" ]; do dir=$(dirname "$dir"); done
    free_mib=$(df -Pm "$dir" | awk 'NR == 2 {print $4}')
    [ "$free_mib" -ge $need_disk ] ||
        skip "only $free_mib MiB free under $dir, the lab needs $need_disk MiB"

    local missing=() tool
    # A tool named by its path: that file must exist (a header); a name: on the PATH.
    have() { if [[ $1 == /* ]]; then [ -e "$1" ]; else command -v "$1" >/dev/null; fi; }
    for tool in "${HOST_TOOLS[@]}"; do have "$tool" || missing+=("$tool"); done
    if [ ${#missing[@]} -gt 0 ]; then
        lab_say "installing host packages (missing: ${missing[*]})"
        if ! { apt-get install -y -q --no-install-recommends "${HOST_PACKAGES[@]}" >/dev/null 2>&1 ||
               { apt-get update -q >/dev/null 2>&1 &&
                 apt-get install -y -q --no-install-recommends "${HOST_PACKAGES[@]}" >/dev/null 2>&1; }; }; then
            skip "cannot install ${HOST_PACKAGES[*]} with apt-get (missing: ${missing[*]})"
        fi
        for tool in "${HOST_TOOLS[@]}"; do
            have "$tool" || skip "$tool is still missing after apt-get install"
        done
    fi
    if ! ip netns add halolab-probe 2>/dev/null; then skip "cannot create network namespaces"; fi
    if ! ip netns exec halolab-probe ip link add probe0 type bridge 2>/dev/null; then
        ip netns del halolab-probe; skip "the host kernel cannot create bridges"
    fi
    ip netns del halolab-probe
}

# --- run ----------------------------------------------------------------------------------------

# Children run in the background and are waited for, so that INT/TERM are handled at once
# (bash defers traps while a foreground child runs): the handler ends the child's process tree,
# by PID, and the EXIT trap tears the lab down.
child=""
run_child() { "$@" & child=$!; wait "$child"; local rc=$?; child=""; return "$rc"; }
kill_tree() { local c; for c in $(pgrep -P "$1"); do kill_tree "$c"; done; kill -TERM "$1" 2>/dev/null; }
on_signal() {
    echo "lab test: interrupted"
    [ -n "$child" ] && kill_tree "$child" && wait "$child" 2>/dev/null
    exit 130
}

teardown() {
    [ "$reuse" = 1 ] || [ "$keep" = 1 ] && return 0
    "$LAB_DIR/lab" down || true
}

# One test with its timeout (HALO_LAB_TEST_TIMEOUT, default 900 s, or the test's own
# "# lab-timeout: SECONDS" line); output to the terminal and to run/tests/NAME.log; its exit status.
run_test() {
    local limit
    limit=$(sed -n 's/^# lab-timeout: *\([0-9][0-9]*\).*/\1/p' "$1" | head -1)
    LAB_TEST_NAME=$2 LAB_T0=$(date +%s) timeout "${HALO_LAB_TEST_TIMEOUT:-${limit:-900}}" \
        bash "$1" </dev/null 2>&1 | tee "$LAB_RUN/tests/$2.log"
    return "${PIPESTATUS[0]}"
}

main() {
    local t_start; t_start=$(lab_now_ms)
    preflight
    # --preflight (for scripts/demo): can this machine run the lab? 0 yes, 77 no (with the reason).
    [ "$preflight_only" = 1 ] && exit 0
    local tests=() t p
    for t in "$LAB_DIR"/tests/*.sh; do
        [ -e "$t" ] || continue
        # The default run's QEMU part: the tests that name qemu in their lab-backends line; without
        # --full only those that also name it in their lab-default-run line (the README's test
        # command keeps within its budget: lab/README.md, the paragraph before the command list).
        if [ "$qemu_subset" = 1 ] && ! grep -Eq '^# lab-backends:.*\bqemu\b' "$t"; then continue; fi
        if [ "$qemu_subset" = 1 ] && ! lab_full && ! grep -Eq '^# lab-default-run:.*\bqemu\b' "$t"; then continue; fi
        if [ ${#patterns[@]} -eq 0 ]; then tests+=("$t"); continue; fi
        for p in "${patterns[@]}"; do [[ ${t##*/} == *"$p"* ]] && { tests+=("$t"); break; }; done
    done
    if [ ${#tests[@]} -eq 0 ]; then
        # A pattern that only matches UML's part of the default run leaves QEMU nothing to do.
        [ "$qemu_subset" = 1 ] && { echo "lab test ($LAB_BACKEND): no test of the QEMU subset matches ${patterns[*]}"; exit 0; }
        echo "lab test: no test matches ${patterns[*]}" >&2; exit 2
    fi
    echo "=== lab test on $(lab_backend_label)$([ "$qemu_subset" = 1 ] && echo ", the default run's subset"): $(printf '%s ' "${tests[@]##*/}")"

    local t_image t_up t_tests
    trap on_signal INT TERM
    if [ "$reuse" = 1 ]; then
        lab_require_up
    elif lab_is_stale; then
        echo "lab test: a stale lab (namespace $LAB_NS, no guest running) is left from an earlier run: tearing it down"
        "$LAB_DIR/lab" down
    fi
    if [ "$reuse" = 1 ]; then
        :
    elif lab_is_up; then
        echo "lab test: the lab is already up (its guests are running): lab/lab down first, or lab/lab test --reuse" >&2
        exit 1
    else
        t_image=$(lab_now_ms)
        run_child "$LAB_DIR/lab" image >/dev/null || { echo "lab test: FAILED to build the image"; exit 1; }
        t_up=$(lab_now_ms)
        trap 'teardown' EXIT
        run_child "$LAB_DIR/lab" up || { echo "lab test: FAILED to bring the lab up"; exit 1; }
    fi

    mkdir -p "$LAB_RUN/tests"
    export LAB_RESULTS=$LAB_RUN/tests/results.tsv
    printf '# backend: %s, kernel %s, %s\n' "$(lab_backend_label)" \
        "$(cat "$(cat "$LAB_RUN/image")/kernel-version" 2>/dev/null)" "$(date -u +%FT%TZ)" >"$LAB_RESULTS"
    local name rc ms failed=0 skipped=0 summary=()
    t_tests=$(lab_now_ms)
    for t in "${tests[@]}"; do
        name=$(basename "$t" .sh)
        echo "=== $name"
        ms=$(lab_now_ms)
        run_child run_test "$t" "$name"
        rc=$?
        ms=$(( $(lab_now_ms) - ms ))
        if [ "$rc" = 0 ]; then
            summary+=("$(printf 'PASS  %-28s %6.1f s' "$name" "$(awk "BEGIN{print $ms/1000}")")")
        elif [ "$rc" = 77 ]; then
            summary+=("$(printf 'SKIP  %-28s %6.1f s  %s' "$name" "$(awk "BEGIN{print $ms/1000}")" \
                "$(grep -h '^SKIPPED:' "$LAB_RUN/tests/$name.log" | tail -n 1)")")
            skipped=$((skipped + 1))
        else
            [ "$rc" = 124 ] && echo "  (timed out)"
            summary+=("$(printf 'FAIL  %-28s %6.1f s  (exit %s, log %s)' "$name" \
                "$(awk "BEGIN{print $ms/1000}")" "$rc" "$LAB_RUN/tests/$name.log")")
            failed=$((failed + 1))
        fi
        echo "${summary[-1]}"
    done

    echo "=== lab test summary, $(lab_backend_label)$([ "${HALO_LAB_FULL:-0}" = 1 ] && echo " (--full)")"
    printf '%s\n' "${summary[@]}"
    if grep -qv '^#' "$LAB_RESULTS"; then
        echo "--- measurements ($LAB_BACKEND)"
        awk -F'\t' '!/^#/ {printf "  %-24s %-32s %s\n", $1, $2, $3}' "$LAB_RESULTS"
    fi
    local vm rss=() total=0 mib
    for vm in "${LAB_VMS[@]}"; do
        mib=$(lab_vm_rss_mib "$vm"); total=$((total + mib)); rss+=("$vm ${mib} MiB")
    done
    echo "--- $LAB_BACKEND RSS after the tests: $(IFS=,; echo "${rss[*]}"), total $total MiB"
    local now; now=$(lab_now_ms)
    if [ "$reuse" = 0 ]; then
        printf -- '--- wall time: image %.1f s, boot %.1f s, tests %.1f s, total %.1f s\n' \
            "$(awk "BEGIN{print ($t_up-$t_image)/1000}")" "$(awk "BEGIN{print ($t_tests-$t_up)/1000}")" \
            "$(awk "BEGIN{print ($now-$t_tests)/1000}")" "$(awk "BEGIN{print ($now-$t_start)/1000}")"
    fi
    echo "lab test ($LAB_BACKEND): $(( ${#tests[@]} - failed - skipped )) passed, $failed failed, $skipped skipped"
    [ "$failed" = 0 ]
}

main
