#!/usr/bin/env bash
# Prepares a Debian/Ubuntu host for nic's build, tests and benchmarks. Idempotent: safe to
# run again; it installs only what is missing and raises the hugepage reservation only when
# it is below what the tests need. Needs root (or sudo).
set -euo pipefail

HUGEPAGES_2M="${NIC_HUGEPAGES_2M:-256}"   # 512 MiB of 2 MiB pages
PACKAGES=(
  build-essential python3  # node-gyp toolchain for @nic/native
  pciutils                 # lspci, compared against @nic/pci's scan
  iproute2                 # ip netns / veth for kernel-tier tests
  iputils-ping ethtool     # the forwarder demo and its namespace tests (ping, checksum offload off)
  tshark                   # reads the pcap files nic-fwd writes
  dpdk dpdk-dev            # dpdk-testpmd, dpdk-test, dpdk-devbind.py: the peers of tests and benchmarks
)

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup-host: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup-host: system packages present"
fi

knob=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
if [ -w "$knob" ] || [ -n "$SUDO" ]; then
  have=$(cat "$knob")
  if [ "$have" -lt "$HUGEPAGES_2M" ]; then
    echo "$HUGEPAGES_2M" | $SUDO tee "$knob" >/dev/null
  fi
  echo "setup-host: 2 MiB hugepages reserved: $(cat "$knob") (free: $(cat /sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages))"
else
  echo "setup-host: cannot write $knob; hugepage tests will use --no-huge" >&2
fi
