/**
 * BAR0 register access for whichever thread polls a port. The control thread registers the
 * mapping's `regs` at probe. Another thread views the same BAR through the address kept in
 * the port's private data (`attach` of @nic/native); a device model's registers exist only
 * on the thread that opened it, so its ports are polled from there.
 */
import { NicError } from '@nic/eal';
import { attach } from '@nic/native';
import { MmioRegisters, type PciRegisters } from '@nic/pci/driver';
import type { PortData } from '@nic/ethdev/driver';
import { P_BAR_ADDR_HI, P_BAR_ADDR_LO, P_BAR_LEN } from './layout.js';

const TWO_32 = 2 ** 32;

/** Per thread: arena buffer → private-data offset → registers. */
const byArena = new WeakMap<SharedArrayBuffer, Map<number, PciRegisters>>();

function table(data: PortData): Map<number, PciRegisters> {
  let t = byArena.get(data.arena.buffer);
  if (!t) {
    t = new Map();
    byArena.set(data.arena.buffer, t);
  }
  return t;
}

/**
 * Records the port's BAR0 for this thread, and its address for the others (`address`
 * undefined for a device model).
 */
export function publishBar(data: PortData, regs: PciRegisters, address: number | undefined, length: number): void {
  const u32 = data.arena.u32;
  const priv = data.privOffset;
  u32[(priv + P_BAR_ADDR_LO) >>> 2] = address === undefined ? 0 : address % TWO_32;
  u32[(priv + P_BAR_ADDR_HI) >>> 2] = address === undefined ? 0 : Math.floor(address / TWO_32);
  u32[(priv + P_BAR_LEN) >>> 2] = length;
  table(data).set(priv, regs);
}

/** Forgets the port's BAR0 in this thread (the port is closing). */
export function unpublishBar(data: PortData): void {
  table(data).delete(data.privOffset);
}

/**
 * The registers of the port in this thread. `NIC_ENOTSUP` when the port is a device
 * model polled from another thread.
 */
export function barRegisters(data: PortData): PciRegisters {
  const t = table(data);
  const priv = data.privOffset;
  const known = t.get(priv);
  if (known) return known;
  const u32 = data.arena.u32;
  const address = u32[(priv + P_BAR_ADDR_HI) >>> 2] * TWO_32 + u32[(priv + P_BAR_ADDR_LO) >>> 2];
  if (address === 0) {
    throw new NicError('NIC_ENOTSUP', `port ${data.port} (${data.name}): its registers are a device model's, reachable only from the thread that probed it`);
  }
  const regs = new MmioRegisters(new Uint32Array(attach(address, u32[(priv + P_BAR_LEN) >>> 2])));
  t.set(priv, regs);
  return regs;
}
