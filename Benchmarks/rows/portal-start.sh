# Start of one ocf:halo:portal resource with six addresses (IPv4, first announcement out before
# it returns, the rest in the background) against six ocf:heartbeat:IPaddr2 starts in sequence,
# as a group of six IPaddr2 resources starts (each backgrounds its send_arp). Each timed run is
# preceded by a stop (not timed).
TITLE="start: portal of 6 addresses vs 6 IPaddr2 in sequence"
ESTABLISHED="6 × ocf:heartbeat:IPaddr2 start"
NETNS=halobench-start
ROW_RUNS=60
bench_dir=$(mktemp -d /tmp/halo-bench-start.XXXXXX)
addresses=""
for i in 0 1 2 3 4 5; do addresses="$addresses 198.18.2$i.10/24@b$i"; done
COMMON=(PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf OCF_RESKEY_CRM_meta_timeout=20000
        HA_RSCTMP=$bench_dir/rsc HA_LOGFACILITY=none)
HALO_CMD=("$bench_dir/portal" start)
HALO_ENV=("${COMMON[@]}" OCF_RESOURCE_INSTANCE=p1 "OCF_RESKEY_addresses=${addresses# }")
HALO_PREPARE="$bench_dir/portal stop"
SHELL_CMD=("$bench_dir/ipaddr2-six" start)
SHELL_ENV=("${COMMON[@]}")
SHELL_PREPARE="$bench_dir/ipaddr2-six stop"
setup() {
  ip netns add "$NETNS"
  ip -n "$NETNS" link set lo up
  for i in 0 1 2 3 4 5; do
    ip -n "$NETNS" link add "b$i" type veth peer name "c$i"
    ip -n "$NETNS" link set "b$i" up; ip -n "$NETNS" link set "c$i" up
  done
  ln -sf "$HALO_BIN/halo-agent" "$bench_dir/portal"
  cat > "$bench_dir/ipaddr2-six" <<SCRIPT
#!/bin/sh
# Six IPaddr2 resources, one after the other, as Pacemaker runs a group.
for i in 0 1 2 3 4 5; do
  OCF_RESOURCE_INSTANCE=vip\$i OCF_RESKEY_ip=198.18.4\$i.10 OCF_RESKEY_cidr_netmask=24 OCF_RESKEY_nic=b\$i \\
    /usr/lib/ocf/resource.d/heartbeat/IPaddr2 "\$1" || exit \$?
done
SCRIPT
  chmod +x "$bench_dir/ipaddr2-six"
}
teardown() {
  in_netns env -i "${HALO_ENV[@]}" "$bench_dir/portal" stop || true
  in_netns env -i "${SHELL_ENV[@]}" "$bench_dir/ipaddr2-six" stop || true
  ip netns del "$NETNS"; rm -rf "$bench_dir"
}
