# The core's fixed cost: monitor of a resource whose state is one file, halo's test agent
# (Tests/TestAgent) against resource-agents' ocf:heartbeat:Dummy (the same job in shell).
TITLE="monitor of a state-file resource (running)"
ESTABLISHED="ocf:heartbeat:Dummy"
bench_dir=$(mktemp -d /tmp/halo-bench-core.XXXXXX)
COMMON=(PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=bench
        OCF_RESKEY_CRM_meta_interval=10000 OCF_RESKEY_CRM_meta_timeout=20000 HA_RSCTMP=$bench_dir/rsc)
HALO_CMD=("$bench_dir/testagent" monitor)
HALO_ENV=("${COMMON[@]}" OCF_RESKEY_directory=$bench_dir HA_LOGFACILITY=none)
SHELL_CMD=(/usr/lib/ocf/resource.d/heartbeat/Dummy monitor)
SHELL_ENV=("${COMMON[@]}" OCF_RESKEY_state=$bench_dir/dummy.state)
setup() {
  ln -sf "$HALO_BIN/halo-test-agent" "$bench_dir/testagent"
  env -i "${HALO_ENV[@]}" "$bench_dir/testagent" start
  env -i "${SHELL_ENV[@]}" "${SHELL_CMD[0]}" start
  env -i "${HALO_ENV[@]}" "${HALO_CMD[@]}" && env -i "${SHELL_ENV[@]}" "${SHELL_CMD[@]}"
}
teardown() { rm -rf "$bench_dir"; }
