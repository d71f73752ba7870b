#!/usr/bin/env bash
# Prepares a Debian/Ubuntu host for nic's build, tests and benchmarks. Idempotent: safe to
# run again; it installs only what is missing and raises the hugepage reservation only when
# it is below what the tests need. Needs root (or sudo).
set -euo pipefail

HUGEPAGES_2M="${NIC_HUGEPAGES_2M:-256}"   # 512 MiB of 2 MiB pages
PACKAGES=(
  build-essential python3  # node-gyp toolchain for @nic/native
  g++-aarch64-linux-gnu    # @nic/native's linux-arm64 prebuilt binary, cross-compiled when packed
  qemu-user                # runs it, under an arm64 Node.js, in the consumer test (tools/consumer)
  pciutils                 # lspci, compared against @nic/pci's scan
  iproute2                 # ip netns / veth for kernel-tier tests
  iputils-ping ethtool     # the forwarder demo and its namespace tests (ping, checksum offload off)
  tshark                   # reads the pcap files nic-fwd writes
  dpdk dpdk-dev            # dpdk-testpmd, dpdk-test, dpdk-devbind.py: the peers of tests and benchmarks
  busybox-static           # the hardware-model guest's initramfs (tools/qemu-tier)
  kmod                     # depmod for the guest kernel's modules.dep; modprobe inside the guest
)
# The hardware-model tier's QEMU: its igb (82576) model needs QEMU >= 8.0, which bookworm has
# only in bookworm-backports.
BACKPORTS_PACKAGES=(qemu-system-x86)
QEMU_MIN_MAJOR=8
BACKPORTS_SOURCES=/etc/apt/sources.list.d/nic-bookworm-backports.sources
# Where the guest kernel is unpacked (tools/qemu-tier reads it there; NIC_QEMU_CACHE moves it).
QEMU_CACHE="${NIC_QEMU_CACHE:-/var/cache/nic-qemu}"

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

# bookworm-backports, unless some apt source names it already.
backports_target=()
if [ "$(. /etc/os-release && echo "$VERSION_CODENAME")" = bookworm ]; then backports_target=(-t bookworm-backports); fi
if [ ${#backports_target[@]} -gt 0 ] && ! grep -rqs 'bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "setup-host: enabling bookworm-backports in $BACKPORTS_SOURCES"
  printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm-backports' 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' | $SUDO tee "$BACKPORTS_SOURCES" >/dev/null
  $SUDO apt-get update -qq
fi

qemu_major() { qemu-system-x86_64 --version 2>/dev/null | sed -n 's/^QEMU emulator version \([0-9]*\).*/\1/p'; }
if [ -z "$(qemu_major)" ] || [ "$(qemu_major)" -lt "$QEMU_MIN_MAJOR" ]; then
  echo "setup-host: installing ${BACKPORTS_PACKAGES[*]} ${backports_target[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${backports_target[@]}" "${BACKPORTS_PACKAGES[@]}" >/dev/null
fi
echo "setup-host: $(qemu-system-x86_64 --version | head -n1)"

# The guest kernel: the linux-image-<release> package that linux-image-amd64 depends on,
# downloaded and unpacked into $QEMU_CACHE/kernel-<release> (not installed: the host keeps its
# own kernel and boot loader untouched), with modules.dep made by depmod. $QEMU_CACHE/kernel
# points at the current one.
kernel_package() { { apt-cache depends linux-image-amd64 2>/dev/null || true; } | sed -n '/^ *Depends: linux-image-/{s/^ *Depends: //p;q;}'; }
kernel_pkg=$(kernel_package)
if [ -z "$kernel_pkg" ]; then
  $SUDO apt-get update -qq
  kernel_pkg=$(kernel_package)
fi
release=${kernel_pkg#linux-image-}
kernel_dir="$QEMU_CACHE/kernel-$release"
if [ -z "$kernel_pkg" ]; then
  echo "setup-host: no linux-image-amd64 package here (not Debian?): the QEMU tier has no guest kernel" >&2
elif [ ! -f "$kernel_dir/boot/vmlinux-$release" ]; then
  echo "setup-host: unpacking $kernel_pkg into $kernel_dir"
  download=$(mktemp -d)
  if id _apt >/dev/null 2>&1; then $SUDO chown _apt "$download"; fi   # apt fetches as its sandbox user
  (cd "$download" && $SUDO apt-get download -qq "$kernel_pkg")
  $SUDO rm -rf "$kernel_dir.partial"
  $SUDO mkdir -p "$kernel_dir.partial"
  $SUDO dpkg-deb -x "$download/${kernel_pkg}"_*.deb "$kernel_dir.partial"
  $SUDO depmod -b "$kernel_dir.partial" "$release"
  # The uncompressed ELF image, which QEMU starts at its PVH entry: no firmware and no
  # xz decompression under emulation (about 7 s less per boot).
  bzimage="$kernel_dir.partial/boot/vmlinuz-$release"
  xz_offset=$(LC_ALL=C grep -m1 -obUaP '\xfd7zXZ\x00' "$bzimage" | cut -d: -f1)
  tail -c +"$((xz_offset + 1))" "$bzimage" > "$download/vmlinux.xz"
  xz -dc --single-stream < "$download/vmlinux.xz" | $SUDO tee "$kernel_dir.partial/boot/vmlinux-$release" >/dev/null
  $SUDO rm -rf "$download" "$kernel_dir"
  $SUDO mv "$kernel_dir.partial" "$kernel_dir"
fi
if [ -n "$kernel_pkg" ]; then
  $SUDO ln -sfn "kernel-$release" "$QEMU_CACHE/kernel"
  echo "setup-host: guest kernel $release in $QEMU_CACHE/kernel"
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
