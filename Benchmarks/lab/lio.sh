# VM lab row (needs LIO, so not in Benchmarks/rows/, which the development machines run):
# monitor (depth 0) of one LUN exported by halo's lio agent, against resource-agents'
# ocf:heartbeat:iSCSITarget + ocf:heartbeat:iSCSILogicalUnit (implementation=lio-t), the two
# monitors the established stack runs for the same target and LUN. On a lab node with
# target_core_mod loaded: ln -s ../lab/lio.sh Benchmarks/rows/lio.sh && Benchmarks/bench lio
TITLE="monitor of one LIO LUN (depth 0): halo lio vs iSCSITarget + iSCSILogicalUnit (lio-t)"
ESTABLISHED="iSCSITarget+iSCSILogicalUnit"
bench_dir=$(mktemp -d /tmp/halo-bench-lio.XXXXXX)
image=$bench_dir/disk.img
COMMON=(PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=bench
        OCF_RESKEY_CRM_meta_interval=10000 OCF_RESKEY_CRM_meta_timeout=20000 HA_RSCTMP=$bench_dir/rsc HA_LOGFACILITY=none)
setup() {
  truncate -s 64M "$image"
  loop=$(losetup --find --show "$image")
  ln -sf "$HALO_BIN/halo-agent" "$bench_dir/lio"
  HALO_CMD=("$bench_dir/lio" monitor)
  HALO_ENV=("${COMMON[@]}" OCF_RESKEY_iqn=iqn.2026-11.lab.test:bench-halo OCF_RESKEY_device_name=benchhalo
            OCF_RESKEY_backing=$loop OCF_RESKEY_allowed_portals=127.0.0.1:3261
            OCF_RESKEY_initiators=iqn.2026-11.lab.test:client)
  # The established pair on its own target and backstore, LUN 0 of the same loop device through a
  # second loop device (two exclusive openers cannot share one block device).
  loop2=$(losetup --find --show "$image")
  SHELL_CMD=(/bin/sh -c '/usr/lib/ocf/resource.d/heartbeat/iSCSITarget monitor && /usr/lib/ocf/resource.d/heartbeat/iSCSILogicalUnit monitor')
  SHELL_ENV=("${COMMON[@]}" OCF_RESKEY_implementation=lio-t OCF_RESKEY_iqn=iqn.2026-11.lab.test:bench-shell
             OCF_RESKEY_target_iqn=iqn.2026-11.lab.test:bench-shell OCF_RESKEY_portals=127.0.0.1:3262 OCF_RESKEY_lun=0
             OCF_RESKEY_path=$loop2 OCF_RESKEY_allowed_initiators=iqn.2026-11.lab.test:client)
  env -i "${HALO_ENV[@]}" "$bench_dir/lio" start
  env -i "${SHELL_ENV[@]}" /usr/lib/ocf/resource.d/heartbeat/iSCSITarget start
  env -i "${SHELL_ENV[@]}" /usr/lib/ocf/resource.d/heartbeat/iSCSILogicalUnit start
  env -i "${HALO_ENV[@]}" "${HALO_CMD[@]}" && env -i "${SHELL_ENV[@]}" "${SHELL_CMD[@]}"
}
teardown() {
  env -i "${SHELL_ENV[@]}" /usr/lib/ocf/resource.d/heartbeat/iSCSILogicalUnit stop
  env -i "${SHELL_ENV[@]}" /usr/lib/ocf/resource.d/heartbeat/iSCSITarget stop
  env -i "${HALO_ENV[@]}" "$bench_dir/lio" stop
  losetup -d "$loop" "$loop2"
  rm -rf "$bench_dir"
}
