# VM lab row (needs dm-crypt, so not in Benchmarks/rows/, which the development machines run):
# monitor (depth 0) of one open LUKS2 volume, halo's agent against resource-agents'
# ocf:heartbeat:crypt on the very same mapping. On a lab node: ln -s ../lab/luks.sh
# Benchmarks/rows/luks.sh && Benchmarks/bench luks   (target: crypt median / halo median ≥ 10).
TITLE="monitor of an open LUKS2 volume (depth 0)"
ESTABLISHED="ocf:heartbeat:crypt"
bench_dir=$(mktemp -d /tmp/halo-bench-luks.XXXXXX)
image=$bench_dir/disk.img
key=$bench_dir/key
name=halo-bench-crypt
COMMON=(PATH=/usr/sbin:/usr/bin:/sbin:/bin OCF_ROOT=/usr/lib/ocf OCF_RESOURCE_INSTANCE=bench
        OCF_RESKEY_CRM_meta_interval=10000 OCF_RESKEY_CRM_meta_timeout=20000 HA_RSCTMP=$bench_dir/rsc)
setup() {
  truncate -s 64M "$image"
  loop=$(losetup --find --show "$image")
  printf 'bench-passphrase' > "$key" && chmod 0400 "$key"
  cryptsetup luksFormat -q --type luks2 --pbkdf pbkdf2 --pbkdf-force-iterations 1000 --key-file "$key" "$loop"
  HALO_CMD=("$bench_dir/luks" monitor)
  HALO_ENV=("${COMMON[@]}" OCF_RESKEY_device=$loop OCF_RESKEY_name=$name OCF_RESKEY_key=$key HA_LOGFACILITY=none)
  SHELL_CMD=(/usr/lib/ocf/resource.d/heartbeat/crypt monitor)
  SHELL_ENV=("${COMMON[@]}" OCF_RESKEY_encrypted_dev=$loop OCF_RESKEY_crypt_dev=$name OCF_RESKEY_key_file=$key
             OCF_RESKEY_crypt_type=luks2)
  ln -sf "$HALO_BIN/halo-agent" "$bench_dir/luks"
  env -i "${HALO_ENV[@]}" "$bench_dir/luks" start
  env -i "${HALO_ENV[@]}" "${HALO_CMD[@]}" && env -i "${SHELL_ENV[@]}" "${SHELL_CMD[@]}"
}
teardown() {
  env -i "${HALO_ENV[@]}" "$bench_dir/luks" stop
  losetup -d "$loop"
  rm -rf "$bench_dir"
}
