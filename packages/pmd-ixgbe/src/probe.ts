/**
 * The PCI side of net_ixgbe (DPDK's `eth_ixgbe_dev_init` / `eth_ixgbe_pci_remove`): the id
 * table, and probe: reset the function (CTRL.RST, then the EEPROM auto-read), check the
 * EEPROM checksum, read the permanent MAC address from RAL/RAH(0), identify the SFP+ module
 * of SFP ports over I2C, find the PHY of copper ports on MDIO, allocate the port and hook up
 * its interrupts.
 */
import { NicError, registerLogtype, type Eal } from '@nic/eal';
import { allocatePort, findDevByName, probingFinish, removeDevicePorts } from '@nic/ethdev/driver';
import { HwError, IntelHw, rarRead } from '@nic/intel-common';
import { IntelInterrupts, publishBar, unpublishBar } from '@nic/intel-common/driver';
import { IXGBE_MSIX } from './base/msix.js';
import { PCI_DRV_INTR_LSC, PCI_DRV_INTR_RMV, PCI_DRV_NEED_MAPPING, pciDevice, type PciDevice, type PciDriver, type PciId } from '@nic/pci/driver';
import { validateEepromChecksum } from './base/eeprom.js';
import { INTEL_VENDOR_ID, isX540, IXGBE_DEVICE_IDS, MAX_QUEUES, mediaType } from './base/ids.js';
import { CTRL_EXT, CTRL_EXT_DRV_LOAD, CTRL_EXT_PFRSTD, RAH, RAL } from './base/regs.js';
import { resetHw } from './base/reset.js';
import { identifySfp, type SfpModule } from './base/sfp.js';
import { findPhy, type Phy } from './base/phy.js';
import { NET_IXGBE } from './datapath.js';
import { IxgbeOps } from './ethdev.js';
import { IXGBE_LAYOUT } from './layout.js';

const log = registerLogtype('pmd.net.ixgbe.init');

/** The devices net_ixgbe serves. */
export const IXGBE_ID_TABLE: readonly PciId[] = Object.values(IXGBE_DEVICE_IDS).map((deviceId) => pciDevice(INTEL_VENDOR_ID, deviceId));

/** What the interrupts of each probed device are, by PCI name. */
const probed = new Map<string, IntelInterrupts>();

function hwFailure(dev: PciDevice, e: unknown): NicError {
  if (e instanceof HwError) {
    const code = e.kind === 'removed' ? 'NIC_ENODEV' : 'NIC_EIO';
    return new NicError(code, `${NET_IXGBE} ${dev.name}: ${e.message}`, { cause: e });
  }
  return e instanceof NicError ? e : new NicError('NIC_EIO', `${NET_IXGBE} ${dev.name}: ${String(e)}`, { cause: e });
}

function isValidMac(mac: Uint8Array): boolean {
  return (mac[0] & 1) === 0 && mac.some((b) => b !== 0);
}

function macString(mac: Uint8Array): string {
  return Array.from(mac, (b) => b.toString(16).padStart(2, '0')).join(':');
}

async function probe(dev: PciDevice, eal: Eal): Promise<void> {
  const bar = dev.bar(0);
  if (!bar) throw new NicError('NIC_EIO', `${NET_IXGBE} ${dev.name}: BAR0 is not mapped`);
  const hw = new IntelHw(bar.regs);
  const media = mediaType(dev.id.deviceId);
  let mac: Uint8Array;
  let sfp: SfpModule | undefined;
  let phy: Phy | undefined;
  try {
    resetHw(hw, MAX_QUEUES);
    validateEepromChecksum(hw, isX540(dev.id.deviceId));
    mac = rarRead(hw, RAL(0), RAH(0));
    if (!isValidMac(mac)) throw new HwError('nvm', `the permanent MAC address ${macString(mac)} is not a unicast address`);
    if (media === 'sfp') sfp = identifySfp(hw);
    if (media === 'copper') phy = findPhy(hw);
    hw.setBits(CTRL_EXT, CTRL_EXT_PFRSTD | CTRL_EXT_DRV_LOAD);
  } catch (e) {
    throw hwFailure(dev, e);
  }
  if (media === 'copper' && !phy) throw new NicError('NIC_EIO', `${NET_IXGBE} ${dev.name}: no PHY answers on MDIO, so the copper port cannot link`);
  if (sfp === 'unknown') log.warn(`${dev.name}: the SFP+ module is of no known kind; trying it at 10 Gb/s, as DPDK allows unsupported modules`);
  const ops = new IxgbeOps(hw, { media, sfp, phy, maxQueues: MAX_QUEUES });
  const interrupts = new IntelInterrupts(eal, dev, ops, IXGBE_MSIX);
  ops.interrupts = interrupts;
  const port = allocatePort(eal, dev.name, NET_IXGBE, ops, {
    device: dev.name,
    privateSize: IXGBE_LAYOUT.size,
    intrLsc: interrupts.canSignalLink,
    intrRmv: interrupts.canSignalRemoval,
    mac,
  });
  publishBar(port.data, bar.regs, bar.address, bar.length);
  interrupts.attach(port);
  probed.set(dev.name, interrupts);
  log.info(`port ${port.port}: ${dev.name} (${dev.id.deviceId.toString(16)}, ${media}${sfp ? ` ${sfp}` : ''}${phy ? ` PHY ${phy.id.toString(16)} at MDIO ${phy.address}` : ''}) MAC ${macString(mac)}`);
  probingFinish(port);
}

function remove(dev: PciDevice, eal: Eal): void {
  const port = findDevByName(dev.name, eal);
  if (port) {
    probed.get(dev.name)?.detach();
    unpublishBar(port.data);
  }
  removeDevicePorts(eal, dev.name);
  probed.delete(dev.name);
}

/** The PCI driver of net_ixgbe. */
export const ixgbePciDriver: PciDriver = {
  name: NET_IXGBE,
  idTable: IXGBE_ID_TABLE,
  flags: PCI_DRV_NEED_MAPPING | PCI_DRV_INTR_LSC | PCI_DRV_INTR_RMV,
  probe,
  remove,
};
