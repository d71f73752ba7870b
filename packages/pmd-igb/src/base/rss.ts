/**
 * Receive-side scaling: which header fields the 82576 hashes (MRQC). The key and the
 * redirection table are written by @nic/intel-common.
 */
import type { MrqcBits } from '@nic/intel-common';
import {
  MRQC_ENABLE_RSS_4Q,
  MRQC_RSS_FIELD_IPV4,
  MRQC_RSS_FIELD_IPV4_TCP,
  MRQC_RSS_FIELD_IPV4_UDP,
  MRQC_RSS_FIELD_IPV6,
  MRQC_RSS_FIELD_IPV6_TCP,
  MRQC_RSS_FIELD_IPV6_UDP,
} from './regs.js';

/** Where MRQC keeps RSS enable and each hashed field. */
export const MRQC_BITS: MrqcBits = {
  enable: MRQC_ENABLE_RSS_4Q,
  ipv4: MRQC_RSS_FIELD_IPV4,
  ipv4Tcp: MRQC_RSS_FIELD_IPV4_TCP,
  ipv4Udp: MRQC_RSS_FIELD_IPV4_UDP,
  ipv6: MRQC_RSS_FIELD_IPV6,
  ipv6Tcp: MRQC_RSS_FIELD_IPV6_TCP,
  ipv6Udp: MRQC_RSS_FIELD_IPV6_UDP,
};
