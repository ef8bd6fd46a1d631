# Monitor of one ocf:halo:portal resource with six addresses on six interfaces, against ONE
# ocf:heartbeat:IPaddr2 monitor of one of those addresses — in a network namespace, six veth
# NICs (untagged: this host's kernel has no 8021q; the lab repeats it on VLANs).
TITLE="monitor: portal of 6 addresses vs IPaddr2 of 1"
ESTABLISHED="ocf:heartbeat:IPaddr2 (1 address)"
NETNS=halobench-portal
bench_dir=$(mktemp -d /tmp/halo-bench-portal.XXXXXX)
addresses=""
for i in 0 1 2 3 4 5; do addresses="$addresses 198.18.2$i.10/24@b$i"; done
COMMON=(PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf OCF_RESKEY_CRM_meta_interval=10000
        OCF_RESKEY_CRM_meta_timeout=20000 HA_RSCTMP=$bench_dir/rsc HA_LOGFACILITY=none)
HALO_CMD=("$bench_dir/portal" monitor)
HALO_ENV=("${COMMON[@]}" OCF_RESOURCE_INSTANCE=p1 "OCF_RESKEY_addresses=${addresses# }" OCF_RESKEY_announce_count=1 OCF_RESKEY_dad=false)
SHELL_CMD=(/usr/lib/ocf/resource.d/heartbeat/IPaddr2 monitor)
SHELL_ENV=("${COMMON[@]}" OCF_RESOURCE_INSTANCE=vip0 OCF_RESKEY_ip=198.18.30.10 OCF_RESKEY_cidr_netmask=24 OCF_RESKEY_nic=b6)
setup() {
  ip netns add "$NETNS"
  ip -n "$NETNS" link set lo up
  for i in 0 1 2 3 4 5 6; do
    ip -n "$NETNS" link add "b$i" type veth peer name "c$i"
    ip -n "$NETNS" link set "b$i" up; ip -n "$NETNS" link set "c$i" up
  done
  ln -sf "$HALO_BIN/halo-agent" "$bench_dir/portal"
  in_netns env -i "${HALO_ENV[@]}" "$bench_dir/portal" start
  in_netns env -i "${SHELL_ENV[@]}" "${SHELL_CMD[0]}" start
  in_netns env -i "${HALO_ENV[@]}" "${HALO_CMD[@]}" && in_netns env -i "${SHELL_ENV[@]}" "${SHELL_CMD[@]}"
}
teardown() { ip netns del "$NETNS"; rm -rf "$bench_dir"; }
