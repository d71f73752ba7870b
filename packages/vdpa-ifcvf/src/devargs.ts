/**
 * The devargs net_ifcvf reads: `vdpa=1` (without it the function is not ours, so a virtio
 * PMD can have it) and `sw-live-migration=1` (migrate by relaying used rings in software
 * instead of the hardware dirty log).
 */
import { NicError } from '@nic/native';
import type { Devargs } from '@nic/eal';

export const IFCVF_VDPA_MODE = 'vdpa';
export const IFCVF_SW_FALLBACK_LM = 'sw-live-migration';
const VALID_KEYS = [IFCVF_VDPA_MODE, IFCVF_SW_FALLBACK_LM];

/** What the devargs ask for; undefined when the function is not for vDPA. */
export interface IfcvfDevargs {
  readonly swLiveMigration: boolean;
}

function flag(value: string | undefined, key: string, device: string): boolean {
  if (value === '1') return true;
  if (value === '0') return false;
  throw new NicError('NIC_EINVAL', `${device}: devargs ${key}=${value ?? ''} must be 0 or 1`);
}

/**
 * Parses `devargs`: undefined unless `vdpa=1`; an unknown key, a repeated key or a value
 * other than 0 or 1 is `NIC_EINVAL`.
 */
export function parseIfcvfDevargs(devargs: Devargs | undefined, device: string): IfcvfDevargs | undefined {
  if (!devargs || devargs.args === '') return undefined;
  let kv;
  try {
    kv = devargs.kvargs(VALID_KEYS);
  } catch (e) {
    throw new NicError('NIC_EINVAL', `${device}: devargs "${devargs.args}": ${(e as Error).message}`, { cause: e });
  }
  for (const key of VALID_KEYS) if (kv.count(key) > 1) throw new NicError('NIC_EINVAL', `${device}: devargs ${key} given ${kv.count(key)} times`);
  if (!kv.has(IFCVF_VDPA_MODE) || !flag(kv.get(IFCVF_VDPA_MODE), IFCVF_VDPA_MODE, device)) return undefined;
  return { swLiveMigration: kv.has(IFCVF_SW_FALLBACK_LM) && flag(kv.get(IFCVF_SW_FALLBACK_LM), IFCVF_SW_FALLBACK_LM, device) };
}
