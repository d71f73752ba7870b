// The igb guest tier (`__fixtures__/guest-tier.ts`) on @nic/test-kit's 82576 model, each
// function served to the guest over vfio-user (guest RAM in a memfd the servers map): the
// test holds every model's cable and takes links down and up there. The same scenarios run on
// QEMU's own igb (`guest.test.ts`), hot-unplug too, which QEMU's vfio-user client does not
// survive (below); the differences they found are model bugs, listed in @nic/test-kit's README.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { bootGuest, type Guest, type ReceiveOptions } from '@nic/qemu-tier';
import { IgbModel } from '@nic/test-kit/models';
import { VfioUserServer, vfioUserPciAddress, vfioUserQemuArgs } from '@nic/test-kit/vfio-user';
import { BOOT_MS, describeIgbGuestTier, GUEST_MIB, TIER_FUNCTIONS, type TierPort } from './__fixtures__/guest-tier.js';

/** How long a restart of autonegotiation takes on the models (QEMU's igb: 500 ms), so that a start's link comes up by interrupt. */
const AUTONEG_MS = 500;
/** How long {@link ModelPort.send} waits for the link to come up. */
const LINK_WAIT_MS = 10_000;
/** How often {@link ModelPort.receive} looks for frames and {@link ModelPort.send} for the link. */
const POLL_MS = 10;

/** One served 82576: frames sent are given to the model, frames it transmits are queued. */
class ModelPort implements TierPort {
  readonly #queue: Uint8Array[] = [];

  constructor(
    readonly model: IgbModel,
    readonly mac: string,
    readonly pciAddress: string,
  ) {
    model.onTransmit((frame) => void this.#queue.push(frame.slice()));
  }

  /** As a link partner sends: once the link is up (a start's autonegotiation may still run), at most {@link LINK_WAIT_MS} later. */
  async send(frame: Uint8Array): Promise<void> {
    const deadline = Date.now() + LINK_WAIT_MS;
    while (!this.model.linkUp && Date.now() < deadline) await delay(POLL_MS);
    const outcome = this.model.receiveFrame(frame);
    if (outcome !== 'delivered') throw new Error(`${this.model.name}: a frame sent to the guest was not delivered: ${outcome}`);
  }

  async receive(count: number, options: ReceiveOptions): Promise<Uint8Array[]> {
    const deadline = Date.now() + (options.timeoutMs ?? 0);
    const frames: Uint8Array[] = [];
    for (;;) {
      for (let f = this.#queue.shift(); f !== undefined && frames.length < count; f = this.#queue.shift()) if (options.filter?.(f) ?? true) frames.push(f);
      if (frames.length >= count) return frames;
      if (Date.now() > deadline) throw new Error(`${this.model.name}: ${frames.length} of ${count} frames within ${options.timeoutMs} ms`);
      await delay(POLL_MS);
    }
  }
}

describeIgbGuestTier("net_e1000_igb in a QEMU guest on @nic/test-kit's 82576 model over vfio-user", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'igb-model-tier-'));
  const ports = Array.from({ length: TIER_FUNCTIONS }, (_, i) => {
    const mac = `02:76:00:00:05:0${i}`;
    return new ModelPort(new IgbModel({ name: `igb ${i} (model tier)`, mac, autonegMs: AUTONEG_MS }), mac, vfioUserPciAddress(i));
  });
  const servers = ports.map((p, i) => new VfioUserServer(join(dir, `vfu${i}.sock`), p.model));
  const close = (): void => {
    for (const s of servers) s.close();
    rmSync(dir, { recursive: true, force: true });
  };
  let guest: Guest;
  try {
    guest = await bootGuest({
      nics: 0,
      memoryMiB: GUEST_MIB,
      hugepages1G: 1,
      sharedMemory: { kind: 'memfd' },
      extraArgs: vfioUserQemuArgs(servers.map((s) => s.path)),
      timeoutMs: BOOT_MS,
    });
  } catch (error) {
    close();
    throw error;
  }
  return {
    guest,
    ports,
    setLink: async (port, up) => ports[port].model.setLink(up),
    shutdown: async () => {
      await guest.shutdown();
      close();
    },
  };
  // QEMU 10.2's vfio-user-pci cannot be unplugged with MSI-X: once the guest lets the function
  // go, its finalize takes the PBA region out of a BAR already torn down, and QEMU aborts
  // (memory.c: memory_region_del_subregion: `subregion->container == mr`).
}, { noHotUnplug: true });
