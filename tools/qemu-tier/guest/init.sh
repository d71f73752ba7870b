#!/bin/sh
# PID 1 of the hardware-model guest (busybox sh from the initramfs that @nic/qemu-tier builds).
#
# 1. loads the modules listed in /modules.load (dependencies first) from /modules; a
#    standalone guest (an initramfs with /standalone.sh) then runs that script and stops here;
# 2. mounts the host's root, shared read-only over 9p, under an overlay whose upper layer is
#    a tmpfs: the guest may write anywhere, the host never changes, and every host path
#    (the checkout too, even under /tmp) is at the same place in the guest;
# 3. mounts proc, sys, dev, devpts, /dev/shm, /run, hugetlbfs on /dev/hugepages there,
#    reserves nic.hugepages 2 MiB pages and puts the guest kernel's module tree at /lib/modules;
# 4. binds every igb function (8086:10c9) to vfio-pci;
# 5. runs the command agent (nic.node nic.agent) chrooted there, in nic.cwd, on the
#    virtio-serial port named nic.agent, and powers off when it ends.
# Any failure prints "nic-init: FAILED: <what>" and powers off: the host reports that line.
#
# Parameters come from the kernel command line as nic.<name>=<value> (no spaces).

/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin /proc /sys /dev /lower /rw /newroot
/bin/busybox --install -s
export PATH=/bin:/sbin

fail() {
  echo "nic-init: FAILED: $*"
  poweroff -f
}

mount -t proc proc /proc || fail "mount /proc"
mount -t sysfs sysfs /sys || fail "mount /sys"
mount -t devtmpfs devtmpfs /dev || fail "mount /dev"

# The value of kernel parameter nic.$1.
param() {
  for word in $(cat /proc/cmdline); do
    case "$word" in "nic.$1="*) echo "${word#*=}"; return ;; esac
  done
  fail "kernel parameter nic.$1 missing"
}

CWD=$(param cwd)
NODE=$(param node)
AGENT=$(param agent)
HUGEPAGES=$(param hugepages)
MODULES=$(param modules)

for module in $(cat /modules.load); do
  insmod "/modules/$module" || fail "insmod $module"
done

# A standalone guest runs its own script (see bootGuest's standaloneScript) instead of the
# agent, and never mounts the host's root: QEMU refuses to migrate a guest with the 9p share
# mounted, so this is the guest that live migration tests use.
if [ -e /standalone.sh ]; then
  echo "nic-init: running the standalone script"
  sh /standalone.sh || fail "the standalone script ended with status $?"
  poweroff -f
fi

mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /lower || fail "mount the host root over 9p"
mount -t tmpfs -o mode=0755 scratch /rw || fail "mount the scratch tmpfs"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /newroot || fail "mount the overlay root"

R=/newroot
mkdir -p $R/proc $R/sys $R/dev $R/run $R/tmp $R/lib/modules
mount -t proc proc $R/proc || fail "mount proc in the root"
mount -t sysfs sysfs $R/sys || fail "mount sysfs in the root"
mount -t devtmpfs devtmpfs $R/dev || fail "mount devtmpfs in the root"
mkdir -p $R/dev/pts $R/dev/shm $R/dev/hugepages
mount -t devpts -o newinstance,ptmxmode=0666 devpts $R/dev/pts || fail "mount devpts"
mount -t tmpfs tmpfs $R/dev/shm || fail "mount /dev/shm"
mount -t tmpfs tmpfs $R/run || fail "mount /run"
mount -t hugetlbfs -o pagesize=2M hugetlbfs $R/dev/hugepages || fail "mount hugetlbfs"
mount --bind "$R$MODULES" $R/lib/modules || fail "bind the guest kernel's modules from $MODULES"
echo "$HUGEPAGES" > /proc/sys/vm/nr_hugepages || fail "reserve $HUGEPAGES hugepages"
ip link set lo up || fail "bring up lo"

for dev in /sys/bus/pci/devices/*; do
  [ "$(cat "$dev/vendor"):$(cat "$dev/device")" = "0x8086:0x10c9" ] || continue
  echo vfio-pci > "$dev/driver_override" || fail "driver_override of ${dev##*/}"
  echo "${dev##*/}" > /sys/bus/pci/drivers_probe || fail "bind ${dev##*/} to vfio-pci"
  [ -e "/dev/vfio/$(basename "$(readlink "$dev/iommu_group")")" ] || fail "no /dev/vfio group for ${dev##*/}"
done

PORT=
for port in /sys/class/virtio-ports/*; do
  [ "$(cat "$port/name")" = nic.agent ] && PORT=/dev/${port##*/}
done
[ -n "$PORT" ] || fail "no virtio-serial port named nic.agent"

echo "nic-init: starting the agent"
chroot $R /bin/sh -c "cd '$CWD' && exec '$NODE' '$AGENT' '$PORT'" || fail "the agent ended with status $?"
poweroff -f
