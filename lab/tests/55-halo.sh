#!/bin/bash
# lab/tests/55-halo.sh — installs halo into the storage nodes: the tree scripts/test built
# (HALO_INSTALL_DIR, laid out by scripts/install --destdir DIR --with-conformance), or, when the
# lab runs alone, a release build made here with scripts/install. Then every agent's meta-data
# passes halo-conformance --metadata-only in the guest (schemas, unprivileged run), and the
# binary runs on the guest's libraries. The agent tests (60-...) need this test to have run.
# lab-backends: uml qemu
set -euo pipefail
source "$(dirname "$0")/../lib.sh"

tree=${HALO_INSTALL_DIR:-}
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
