#!/bin/sh
# PID 1 of the test VM (test/helpers/vm.ts puts it in the initramfs as /init,
# with busybox and the modules listed in /modules). It makes a pure cgroup v2
# host out of this machine's own root filesystem: the host's / read-only over
# 9p, tmpfs where kago and the tests write, cgroup2 on /sys/fs/cgroup with
# every controller enabled, then runs /run/kago-vm/command there and leaves
# its exit code in /run/kago-vm/rc (the scratch share the host reads back).
/bin/busybox --install -s /bin
export PATH=/bin

say() { echo "kago-vm: $*"; }
# Any failure here ends the VM at once; the host sees no rc and reports the console.
die() { say "init failed: $*"; poweroff -f; }

mount -t proc proc /proc || die "mount /proc"
mount -t sysfs sysfs /sys || die "mount /sys"
mount -t devtmpfs devtmpfs /dev || die "mount /dev"
for m in $(cat /modules); do
  insmod "/lib/modules/$m.ko" || die "insmod $m"
done

# cache=loose on the read-only share: the host root does not change under a
# run that matters, and re-reading the 100 MB kago executable over 9p on
# every exec would be most of each command's time under emulation.
P9="trans=virtio,version=9p2000.L,msize=512000"
mount -t 9p -o "$P9,ro,cache=loose" host /host || die "mount the host's root"
H=/host
mount -t proc proc $H/proc || die "mount $H/proc"
mount -t sysfs sysfs $H/sys || die "mount $H/sys"
mount -t devtmpfs devtmpfs $H/dev || die "mount $H/dev"
mkdir -p $H/dev/pts $H/dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts $H/dev/pts || die "mount $H/dev/pts"
mount -t tmpfs -o mode=1777 tmpfs $H/dev/shm || die "mount $H/dev/shm"
mount -t tmpfs -o mode=1777 tmpfs $H/tmp || die "mount $H/tmp"
mount -t tmpfs -o mode=755 tmpfs $H/run || die "mount $H/run"
mkdir -p $H/run/kago-vm
mount -t 9p -o "$P9" scratch $H/run/kago-vm || die "mount the scratch share"
# The directory that holds the repository (and ../shared), at its host path,
# also when that is under /tmp, which is the guest's own tmpfs by now.
C=$(cat $H/run/kago-vm/checkout)
[ -d "$H$C" ] || mkdir -p "$H$C" || die "make $C"
mount -t 9p -o "$P9,ro,cache=loose" checkout "$H$C" || die "mount the checkout $C"
# As systemd mounts it on every current distribution.
mount -t cgroup2 -o nsdelegate,memory_recursiveprot cgroup2 $H/sys/fs/cgroup || die "mount cgroup2"
for c in $(cat $H/sys/fs/cgroup/cgroup.controllers); do
  echo "+$c" > $H/sys/fs/cgroup/cgroup.subtree_control || die "enable the $c controller"
done
mount -t bpf bpf $H/sys/fs/bpf 2>/dev/null

# An RDMA device for the rdma tests: soft-RoCE (rdma_rxe, loaded above) on a
# dummy interface, made with the host's iproute2 through the RDMA netlink.
# Not fatal: the rdma tests fail and say the device is missing.
if ip link add kagorxe type dummy && ip link set kagorxe up; then
  chroot $H /usr/bin/rdma link add rxe0 type rxe netdev kagorxe || say "no RDMA device: rdma link add failed"
else
  say "no RDMA device: no dummy interface"
fi

# A swap device, so that memory.swap.max limits something.
if [ -b /dev/vdb ]; then
  mkswap /dev/vdb >/dev/null && swapon /dev/vdb || die "swap on /dev/vdb"
fi

say "ready after $(cut -d' ' -f1 /proc/uptime) s: $(cat $H/sys/fs/cgroup/cgroup.subtree_control)"
# switch_root, not chroot: unshare(CLONE_NEWUSER) refuses a caller whose
# root is not its mount namespace's (user_namespaces(7)), and the rootless
# tests need one. The host's shell becomes PID 1; the command's output goes
# to the console (the host's log) and to a file.
exec switch_root $H /bin/sh -c '
  cd /
  (/bin/sh /run/kago-vm/command; echo $? > /run/kago-vm/rc) </dev/null 2>&1 | tee /run/kago-vm/output
  dmesg > /run/kago-vm/dmesg
  sync
  echo "kago-vm: done after $(cut -d" " -f1 /proc/uptime) s"
  exec /bin/busybox poweroff -f
'
