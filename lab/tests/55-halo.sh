#!/bin/bash
# lab/tests/55-halo.sh — installs halo into the storage nodes.
# With HALO_PACKAGES (scripts/test sets it: the directory of the .deb files it built, and their
# previous version in previous/): what an admin does, with apt (any halo package an earlier run
# left in a reused lab is purged first) —
#   1. apt install the three packages (halo-agents, halod, haloctl): dpkg says each is installed
#      at the built version, Pacemaker lists the agents (crm_resource --list-agents ocf:halo), the
#      manual pages are there, halod.service is enabled as the preset policy says but not
#      started (no configuration);
#   2. apt purge them: nothing of them left (every path under /etc, /usr and /var/lib as before
#      the install, apt's and dpkg's own records aside), and DRBD's usermode helper, set to
#      halo's before, given back to /sbin/drbdadm;
#   3. apt install the previous version (RELEASE~lab1: the same binaries), which the agent tests
#      run and the e2e's upgrade event (lab/tests/70-e2e.sh) upgrades in place with the cluster
#      running.
#   Both nodes at the same time (each guest is one host process); each node's lines are shown
#   together.
# Without it: the tree scripts/test laid out (HALO_INSTALL_DIR), or, when the lab runs alone, a
# release build made here with scripts/install, copied in.
# Then every agent's meta-data passes halo-conformance --metadata-only in the guest (schemas,
# unprivileged run), and the binary runs on the guest's libraries. The agent tests (60-...) need
# this test to have run.
# lab-backends: uml qemu
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

tree=${HALO_INSTALL_DIR:-}
packages=${HALO_PACKAGES:-}

# Every path under /etc, /usr and /var/lib, but what apt and dpkg keep about packages (and the
# journal): what "purge leaves nothing behind" is compared on.
snapshot() {
    lab_sh "$1" "find /etc /usr /var/lib -xdev \( -path /var/lib/dpkg -o -path /var/lib/apt -o -path /var/lib/systemd/catalog \
        -o -path /var/lib/ucf -o -path /var/lib/man-db \) -prune -o -print | LC_ALL=C sort" </dev/null
}

# The .deb files copied into a node (one node at a time: the copies share the host's file server).
stage_debs() {
    local vm=$1
    lab_expect "$vm: the packages staged in /var/tmp/halo-debs/current" lab_stage_debs "$vm" "$packages" /var/tmp/halo-debs/current
    if [ -n "$from" ]; then
        lab_expect "$vm: the previous version $from staged" lab_stage_debs "$vm" "$packages/previous" /var/tmp/halo-debs/previous
    fi
}

# What an admin does, on one node: install the packages, look, purge, look again; then the
# previous version (when there is one) for the agent tests and the e2e's upgrade.
install_with_apt() {
    local vm=$1 before after t0
    lab_expect "$vm: no halo package left from an earlier run" lab_apt_purge "$vm"
    before=$(snapshot "$vm")
    t0=$(lab_now_ms)
    lab_expect "$vm: apt install ./halo-agents_*.deb ./halod_*.deb ./haloctl_*.deb" lab_apt_install "$vm" /var/tmp/halo-debs/current
    lab_result "$vm-apt-install-ms" $(( $(lab_now_ms) - t0 ))
    lab_expect "$vm: dpkg says halo-agents, halod and haloctl $release are installed" \
        [ "$(lab_ssh "$vm" dpkg-query -W -f '${Package} ${Version} ${db:Status-Abbrev}\n' "${LAB_HALO_PACKAGES[@]}" </dev/null |
             sed 's/ *$//' | LC_ALL=C sort | tr '\n' ';')" = "halo-agents $release ii;haloctl $release ii;halod $release ii;" ]
    lab_expect "$vm: Pacemaker lists the agents (crm_resource --list-agents ocf:halo): ${agents% }" \
        [ "$(lab_ssh "$vm" crm_resource --list-agents ocf:halo </dev/null | LC_ALL=C sort | tr '\n' ' ')" = "$agents" ]
    lab_expect "$vm: the manual pages (ocf_halo_*(7) from meta-data, halod(8), haloctl(8))" \
        lab_sh "$vm" "for a in ${agents% }; do test -s /usr/share/man/man7/ocf_halo_\$a.7.gz || exit 1; done
            test -s /usr/share/man/man8/halod.8.gz && test -s /usr/share/man/man8/haloctl.8.gz"
    # Enabled as the node's preset policy says (Debian's default: enabled; the lab's image
    # presets "disable *", as a site policy may), and never started by the package.
    lab_expect "$vm: halod.service enabled or not as the node's preset says, not started (no /etc/halo/halod.toml)" \
        lab_sh "$vm" '[ "$(systemctl is-enabled halod)" = "$(systemctl show -P UnitFilePreset halod)" ] && ! systemctl is-active -q halod'
    lab_expect "$vm: haloctl --version says $release" \
        [ "$(lab_ssh "$vm" haloctl --version </dev/null)" = "${release%%[~+]*}" ]
    # DRBD's usermode helper pointed at halo's, as docs/drbd.md says: the removal must give the
    # running module drbdadm back (a helper that no longer exists answers no fence-peer call).
    lab_expect "$vm: DRBD's usermode helper set to /usr/lib/halo/halo-drbd-helper (installed, runs)" lab_sh "$vm" \
        'modprobe drbd && test -x /usr/lib/halo/halo-drbd-helper && printf %s /usr/lib/halo/halo-drbd-helper >/sys/module/drbd/parameters/usermode_helper'
    t0=$(lab_now_ms)
    lab_expect "$vm: apt purge halo-agents halod haloctl" lab_apt_purge "$vm"
    lab_result "$vm-apt-purge-ms" $(( $(lab_now_ms) - t0 ))
    lab_expect "$vm: the purge gave DRBD's helper back to /sbin/drbdadm" \
        [ "$(lab_ssh "$vm" cat /sys/module/drbd/parameters/usermode_helper </dev/null)" = /sbin/drbdadm ]
    after=$(snapshot "$vm")
    if [ "$before" != "$after" ]; then
        echo "  what the purge left (or removed) on $vm:"
        diff <(echo "$before") <(echo "$after") | sed 's/^/    /' | head -n 40
    fi
    lab_expect "$vm: nothing of halo left after the purge (/etc, /usr, /var/lib as before the install)" [ "$before" = "$after" ]
    lab_expect "$vm: dpkg knows no halo package any more" \
        lab_sh "$vm" '! dpkg-query -W -f "\${db:Status-Abbrev}\n" halo-agents halod haloctl 2>/dev/null | grep -q "^[a-z][a-z]"'
    if [ -n "$from" ]; then
        lab_expect "$vm: apt install the previous version $from (the e2e's upgrade event upgrades it in place)" \
            lab_apt_install "$vm" /var/tmp/halo-debs/previous
    else
        lab_step "$vm: no previous version in $packages/previous: the current one is installed again"
        lab_expect "$vm: apt install ./halo-agents_*.deb ./halod_*.deb ./haloctl_*.deb" lab_apt_install "$vm" /var/tmp/halo-debs/current
    fi
}

# Without packages: the tree scripts/test laid out, or a release build made here, copied in.
install_tree() {
    if [ -z "$tree" ]; then
        tree=$(mktemp -d /tmp/halo-lab-install.XXXXXX)
        chmod 0755 "$tree"
        trap 'rm -rf "$tree"' EXIT
        lab_step "HALO_INSTALL_DIR is not set: building halo here (release, static Swift stdlib) with"
        lab_step "  scripts/install --destdir $tree --with-conformance"
        t0=$(lab_now_ms)
        lab_expect "scripts/install built halo" \
            bash -c '"$1/scripts/install" --destdir "$2" --with-conformance >"$2.build.log" 2>&1 || { tail -n 30 "$2.build.log"; exit 1; }' \
            _ "$LAB_REPO" "$tree"
        rm -f "$tree.build.log"
        lab_result halo-build-ms $(( $(lab_now_ms) - t0 ))
    else
        lab_step "installing the tree scripts/test built: $tree"
    fi
    lab_expect "$tree is a halo install tree with the conformance runner" \
        test -x "$tree/usr/lib/halo/halo-agent" -a -x "$tree/usr/lib/halo/halo-conformance"
    t0=$(lab_now_ms)
    lab_expect "lab/lab install-halo into ${LAB_NODES[*]}" "$LAB_DIR/lab" install-halo --destdir "$tree" "${LAB_NODES[@]}"
    lab_result install-ms $(( $(lab_now_ms) - t0 ))
}

if [ -n "$packages" ]; then
    current=$(lab_debs_in "$packages") || { echo "  FAILED: HALO_PACKAGES=$packages has no halo-agents, halod and haloctl .deb"; exit 1; }
    agents_deb=$(head -n 1 <<<"$current")
    release=$(dpkg-deb -f "$agents_deb" Version)
    lab_step "installing the packages with apt: $(xargs -n 1 basename <<<"$current" | tr '\n' ' ')"
    agents=$(dpkg-deb -c "$agents_deb" |
        awk '$6 ~ /^\.\/usr\/lib\/ocf\/resource.d\/halo\/./ {sub(".*/", "", $6); print $6}' | LC_ALL=C sort | tr '\n' ' ')
    from=  # the previous version's, when there is one (staged and installed last)
    if lab_debs_in "$packages/previous" >/dev/null; then
        from=$(dpkg-deb -f "$(lab_debs_in "$packages/previous" | head -n 1)" Version)
    fi
    for vm in "${LAB_NODES[@]}"; do stage_debs "$vm"; done
    # The nodes install, purge and install again at the same time (each guest is one host
    # process: apt in two guests takes about as long as in one); each node's lines are shown
    # together when both are done, and a node that failed fails the test.
    logs=$(mktemp -d /tmp/halo-lab-55.XXXXXX)
    pids=()
    for vm in "${LAB_NODES[@]}"; do
        ( install_with_apt "$vm" ) >"$logs/$vm.log" 2>&1 &
        pids+=($!)
    done
    failed=0
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" || failed=1
        cat "$logs/${LAB_NODES[$i]}.log"
    done
    rm -rf "$logs"
    [ $failed = 0 ] || exit 1
    # The lab's own tools (not packaged: the conformance runner and the verifying writer), from
    # the tree scripts/test laid out beside the packages (the packages' content plus the tools).
    if [ -n "$tree" ]; then
        for vm in "${LAB_NODES[@]}"; do
            lab_copy "$vm" "$tree/usr/lib/halo/halo-conformance" "$tree/usr/lib/halo/halo-writer" /usr/lib/halo/
        done
    else
        tree=$(mktemp -d /tmp/halo-lab-install.XXXXXX)
        trap 'rm -rf "$tree"' EXIT
        dpkg-deb -x "$agents_deb" "$tree"
    fi
else
    install_tree
fi

version=$("$tree/usr/lib/halo/halo-agent" --version)
agents=$("$tree/usr/lib/halo/halo-agent" list | tr '\n' ' ')
for vm in "${LAB_NODES[@]}"; do
    lab_expect "$vm: $version" [ "$(lab_ssh "$vm" /usr/lib/halo/halo-agent --version)" = "$version" ]
    lab_expect "$vm: the OCF symlinks (${agents% })" \
        [ "$(lab_ssh "$vm" ls /usr/lib/ocf/resource.d/halo | tr '\n' ' ')" = "$agents" ]
    lab_expect "$vm: halo-agent is statically linked (no dynamic loader per invocation)" \
        lab_sh "$vm" '! ldd /usr/lib/halo/halo-agent >/dev/null 2>&1'
    lab_expect "$vm: halo-agent-dl (luks actions that load libcryptsetup) finds its libraries" \
        lab_sh "$vm" 'ldd /usr/lib/halo/halo-agent-dl | grep -q libc.so && ! ldd /usr/lib/halo/halo-agent-dl | grep -q "not found"'
done
for agent in $agents; do
    lab_expect "node1: meta-data of halo/$agent conforms (halo-conformance --metadata-only)" \
        lab_sh node1 "/usr/lib/halo/halo-conformance --metadata-only /usr/lib/ocf/resource.d/halo/$agent >/tmp/md.txt 2>&1 || { cat /tmp/md.txt; exit 1; }"
done
