/**
 * Link set-up through AUTOC and link state from LINKS (DPDK's `ixgbe_setup_mac_link_82599`
 * and `ixgbe_check_mac_link_generic`). SFP+ ports at 10 Gb/s run the serial interface
 * without autonegotiation, 1 Gb/s modules the 1 GbE link; backplane ports (KX4/KX/KR)
 * autonegotiate. Copper ports (X540, 82599 T3 LOM) bring their link up through their PHY,
 * whose own autonegotiation runs from reset; AUTOC is left alone there.
 */
import type { IntelHw } from '@nic/intel-common';
import type { MediaType } from './ids.js';
import {
  AUTOC,
  AUTOC_AN_RESTART,
  AUTOC_LMS_10G_SERIAL,
  AUTOC_LMS_KX4_KX_KR,
  AUTOC_LMS_MASK,
  LINKS,
  LINKS_SPEED_100_82599,
  LINKS_SPEED_10G_82599,
  LINKS_SPEED_1G_82599,
  LINKS_SPEED_82599,
  LINKS_UP,
} from './regs.js';

/** AUTOC link mode: 1 GbE without autonegotiation (an SFP 1 GbE module). */
export const AUTOC_LMS_1G_LINK_NO_AN = 0;

/** The link: up, and speed in Mb/s (0 when down). Always full duplex. */
export interface HwLink {
  readonly up: boolean;
  readonly speed: number;
}

const SPEED_10G = 10_000;
const SPEED_1G = 1000;
const SPEED_100M = 100;

/** Reads LINKS (twice: its up bit latches low until read). */
export function readHwLink(hw: IntelHw): HwLink {
  hw.read(LINKS);
  const links = hw.read(LINKS);
  if ((links & LINKS_UP) === 0) return { up: false, speed: 0 };
  const bits = links & LINKS_SPEED_82599;
  const speed = bits === LINKS_SPEED_10G_82599 ? SPEED_10G : bits === LINKS_SPEED_1G_82599 ? SPEED_1G : bits === LINKS_SPEED_100_82599 ? SPEED_100M : 0;
  return { up: true, speed };
}

/** The AUTOC link mode for `media` (`tenGig`: an SFP+ module that runs at 10 Gb/s); undefined for copper. */
export function linkMode(media: MediaType, tenGig: boolean): number | undefined {
  if (media === 'copper') return undefined;
  if (media === 'sfp') return tenGig ? AUTOC_LMS_10G_SERIAL : AUTOC_LMS_1G_LINK_NO_AN;
  return AUTOC_LMS_KX4_KX_KR;
}

/** Programs AUTOC's link mode and restarts link set-up (nothing for copper). */
export function setupLink(hw: IntelHw, media: MediaType, tenGig: boolean): void {
  const lms = linkMode(media, tenGig);
  if (lms === undefined) return;
  const autoc = (hw.read(AUTOC) & ~AUTOC_LMS_MASK) | lms | AUTOC_AN_RESTART;
  hw.write(AUTOC, autoc >>> 0);
}
