// The igb guest tier (`__fixtures__/guest-tier.ts`) on QEMU's own 82576 model (`-device igb`):
// the host exchanges frames with the guest's NICs over loopback UDP and drives link state and
// hot-unplug through the QEMU monitor.
import { bootGuest } from '@nic/qemu-tier';
import { BOOT_MS, describeIgbGuestTier, GUEST_MIB, TIER_FUNCTIONS } from './__fixtures__/guest-tier.js';

describeIgbGuestTier('net_e1000_igb in a QEMU guest on QEMU igb devices', async () => {
  const guest = await bootGuest({ nics: TIER_FUNCTIONS, memoryMiB: GUEST_MIB, hugepages1G: 1, timeoutMs: BOOT_MS });
  return {
    guest,
    ports: guest.nics,
    setLink: async (port, up) => void (await guest.setLink(port, up)),
    unplug: async (port) => void (await guest.deviceDel(port)),
    shutdown: () => guest.shutdown(),
  };
});
