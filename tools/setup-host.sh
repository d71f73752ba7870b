#!/usr/bin/env bash
# Prepares a Debian/Ubuntu host for nic's build, tests and benchmarks. Idempotent: safe to
# run again; it installs only what is missing and raises the hugepage reservation only when
# it is below what the tests need. Needs root (or sudo).
set -euo pipefail

HUGEPAGES_2M="${NIC_HUGEPAGES_2M:-256}"   # 512 MiB of 2 MiB pages
PACKAGES=(
  build-essential python3  # node-gyp toolchain for @nic/native
  libasan8 libubsan1       # gcc's ASan and UBSan runtimes: @nic/native's sanitizer build and test stage
  g++-aarch64-linux-gnu    # @nic/native's linux-arm64 prebuilt binary, cross-compiled when packed
  qemu-user                # runs it, under an arm64 Node.js, in the consumer test (tools/consumer)
  pciutils                 # lspci, compared against @nic/pci's scan
  iproute2                 # ip netns / veth for kernel-tier tests
  iputils-ping ethtool     # the forwarder demo and its namespace tests (ping, checksum offload off)
  tshark                   # reads the pcap files nic-fwd writes
  dpdk dpdk-dev            # dpdk-testpmd, dpdk-test, dpdk-devbind.py, dpdk-telemetry.py: the peers of tests and benchmarks
  dpdk-doc                 # DPDK's examples: dpdk-vdpa (built below), the reference for nic-vdpa
  busybox-static           # the hardware-model guest's initramfs (tools/qemu-tier)
  cpio                     # GNU cpio unpacks the initramfs archives qemu-tier writes, in its test
  kmod                     # depmod for the guest kernel's modules.dep; modprobe inside the guest
)
# The hardware-model tiers' QEMU: 10.2 (its vfio-user-pci client serves @nic/test-kit's models
# to a guest; its igb model is QEMU's own 82576), built from Debian's source package, since
# bookworm-backports stops at 10.0. bookworm-backports supplies meson >= 1.5 for the build and
# the firmware the build leaves out (Debian strips the blobs from its source: seabios, ipxe-qemu
# and qemu-system-data's option ROMs, found through --firmwarepath).
BACKPORTS_PACKAGES=(meson qemu-system-data seabios ipxe-qemu)
QEMU_BUILD_PACKAGES=(dpkg-dev pkg-config ninja-build flex bison libglib2.0-dev libpixman-1-dev zlib1g-dev libslirp-dev libfdt-dev xz-utils)
BACKPORTS_SOURCES=/etc/apt/sources.list.d/nic-bookworm-backports.sources
# Where QEMU is built into and the guest kernel unpacked (tools/qemu-tier reads both there;
# NIC_QEMU_CACHE moves it).
QEMU_CACHE="${NIC_QEMU_CACHE:-/var/cache/nic-qemu}"
# The QEMU source package: built once per machine into $QEMU_CACHE/qemu-<version>, which
# $QEMU_CACHE/qemu points at. It comes from sid's source index, through an apt configuration
# of its own (the host's apt sources are not changed). When sid drops this version, take its
# files from snapshot.debian.org with the same name and hashes.
QEMU_SOURCE_VERSION=1:10.2.2+ds-1
QEMU_SOURCE_SUITE=sid

# DPDK's vdpa example (examples/vdpa of dpdk-doc, linked against the installed libdpdk; its
# IFCVF driver is Debian's librte_vdpa_ifc, loaded from the PMD directory): built once per DPDK
# version into $DPDK_VDPA_CACHE/<version>/dpdk-vdpa, which $DPDK_VDPA_CACHE/dpdk-vdpa points at.
DPDK_VDPA_CACHE="${NIC_DPDK_VDPA_CACHE:-/var/cache/nic-dpdk-vdpa}"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}" "${QEMU_BUILD_PACKAGES[@]}"; do
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

bpo_missing=()
for p in "${BACKPORTS_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || bpo_missing+=("$p")
done
if [ ${#bpo_missing[@]} -gt 0 ]; then
  echo "setup-host: installing ${bpo_missing[*]} ${backports_target[*]}"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${backports_target[@]}" "${bpo_missing[@]}" >/dev/null
fi

# QEMU with the vfio-user client, configured for TCG only with plugins (the guest-work counter),
# virtfs (the guest's root) and slirp, installed with its plugin header into its own prefix.
qemu_upstream=${QEMU_SOURCE_VERSION#*:}
qemu_dir="$QEMU_CACHE/qemu-$qemu_upstream"
if [ ! -x "$qemu_dir/bin/qemu-system-x86_64" ]; then
  build=$(mktemp -d /var/tmp/nic-qemu-build.XXXXXX)
  trap 'rm -rf "$build"' EXIT
  mkdir -p "$build/apt/lists/partial" "$build/apt/cache/archives/partial"
  printf 'deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian %s main\n' \
    "$QEMU_SOURCE_SUITE" > "$build/apt/sources.list"
  apt_own=(-o "Dir::Etc::SourceList=$build/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$build/apt/lists" -o "Dir::Cache=$build/apt/cache" -o APT::Sandbox::User="$(id -un)")
  echo "setup-host: building QEMU $QEMU_SOURCE_VERSION into $qemu_dir (once per machine; about 7 min on 2 idle cores)"
  echo "setup-host: qemu: fetching Debian's source package from $QEMU_SOURCE_SUITE"
  apt-get "${apt_own[@]}" update -qq
  (cd "$build" && apt-get "${apt_own[@]}" source -qq --download-only "qemu=$QEMU_SOURCE_VERSION")
  echo "setup-host: qemu: unpacking it with Debian's patches"
  (cd "$build" && dpkg-source -x "qemu_${qemu_upstream}.dsc" src > "$build/unpack.log" 2>&1) || { tail -n 20 "$build/unpack.log" >&2; exit 1; }
  echo "setup-host: qemu: configuring"
  mkdir "$build/src/build"
  # --python: Debian's python3, which sees the backports' meson (a python earlier in PATH may
  # not); --disable-install-blobs: Debian's source has no firmware blobs.
  (cd "$build/src/build" && ../configure --python=/usr/bin/python3 --target-list=x86_64-softmmu \
    --prefix="$qemu_dir" --firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu \
    --enable-tcg --enable-plugins --enable-virtfs --enable-slirp --disable-kvm --disable-xen \
    --disable-rust --disable-docs --disable-tools --disable-guest-agent --disable-download \
    --disable-install-blobs > "$build/configure.log" 2>&1) || { tail -n 40 "$build/configure.log" >&2; exit 1; }
  steps=$(cd "$build/src/build" && ninja -n | wc -l)
  echo "setup-host: qemu: compiling, $steps steps"
  (cd "$build/src/build" && nice -n 10 ninja -j"$(nproc)" > "$build/ninja.log" 2>&1) &
  ninja_pid=$!
  while kill -0 "$ninja_pid" 2>/dev/null; do
    sleep 30
    echo "setup-host: qemu: $(grep -c '^\[' "$build/ninja.log" || true) of $steps steps done"
  done
  wait "$ninja_pid" || { tail -n 40 "$build/ninja.log" >&2; exit 1; }
  echo "setup-host: qemu: installing"
  (cd "$build/src/build" && DESTDIR="$build/stage" ninja install > "$build/install.log" 2>&1) || { tail -n 40 "$build/install.log" >&2; exit 1; }
  $SUDO mkdir -p "$QEMU_CACHE"
  $SUDO rm -rf "$qemu_dir"
  $SUDO mv "$build/stage$qemu_dir" "$qemu_dir"
  rm -rf "$build"
  trap - EXIT
fi
$SUDO ln -sfn "qemu-$qemu_upstream" "$QEMU_CACHE/qemu"
if ! "$QEMU_CACHE/qemu/bin/qemu-system-x86_64" -device help | grep -q '^name "vfio-user-pci"'; then
  echo "setup-host: $QEMU_CACHE/qemu has no vfio-user-pci device" >&2
  exit 1
fi
echo "setup-host: $("$QEMU_CACHE/qemu/bin/qemu-system-x86_64" --version | head -n1) in $QEMU_CACHE/qemu"

# dpdk-vdpa: the shared build (Debian's static libraries want libsystemd's, which is not installed).
dpdk_version=$(dpkg-query -W -f='${Version}' dpdk-doc)
vdpa_dir="$DPDK_VDPA_CACHE/$dpdk_version"
if [ ! -x "$vdpa_dir/dpdk-vdpa" ]; then
  echo "setup-host: building DPDK's vdpa example $dpdk_version into $vdpa_dir (once per DPDK version)"
  vdpa_build=$(mktemp -d /var/tmp/nic-dpdk-vdpa.XXXXXX)
  cp -r /usr/share/dpdk/examples/vdpa/. "$vdpa_build"
  (cd "$vdpa_build" && nice -n 10 make shared > "$vdpa_build/make.log" 2>&1) || { tail -n 20 "$vdpa_build/make.log" >&2; exit 1; }
  $SUDO mkdir -p "$vdpa_dir"
  $SUDO install -m 0755 "$vdpa_build/build/vdpa-shared" "$vdpa_dir/dpdk-vdpa"
  rm -rf "$vdpa_build"
fi
$SUDO ln -sfn "$dpdk_version/dpdk-vdpa" "$DPDK_VDPA_CACHE/dpdk-vdpa"
echo "setup-host: DPDK's vdpa example in $DPDK_VDPA_CACHE/dpdk-vdpa"

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
