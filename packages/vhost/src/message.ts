/**
 * Checks a received vhost-user message before any handler sees it: the payload size each
 * request must have, the number of descriptors it may carry (CVE-2019-14818: a message
 * with unexpected fds has them all closed and is refused), vring indices kept 32-bit and
 * checked against {@link MAX_VRINGS} (CVE-2020-10723), and the memory table's region count
 * and `mmap_offset + size` overflow (DPDK 0fe99cf73e). Pure: no state, no system calls, so it
 * is fuzzed directly.
 */
import { NicError } from '@nic/native';
import {
  ADDR_INDEX,
  ADDR_SIZE,
  FLAG_VERSION,
  LOG_SIZE,
  FLAG_VERSION_MASK,
  MAX_FDS,
  MAX_MEM_REGIONS,
  MAX_PAYLOAD,
  MAX_QUEUE_SIZE,
  MAX_VRINGS,
  MEM_HEADER_SIZE,
  MEM_REGION_SIZE,
  REGION_GPA,
  REGION_MMAP_OFFSET,
  REGION_SIZE,
  REGION_UVA,
  Request,
  STATE_SIZE,
  U64_SIZE,
  VRING_NOFD_MASK,
} from './protocol.js';
import type { RegionDescription } from './guest-memory.js';

/** What a request's payload and fds must be. `size` -1: checked by the request's own rule. */
interface Shape {
  readonly size: number;
  readonly fds: 0 | 1 | 'region' | 'vring';
}

const SHAPES = new Map<number, Shape>([
  [Request.GET_FEATURES, { size: 0, fds: 0 }],
  [Request.SET_FEATURES, { size: U64_SIZE, fds: 0 }],
  [Request.SET_OWNER, { size: 0, fds: 0 }],
  [Request.RESET_OWNER, { size: 0, fds: 0 }],
  [Request.SET_MEM_TABLE, { size: -1, fds: 'region' }],
  [Request.SET_LOG_BASE, { size: LOG_SIZE, fds: 1 }],
  [Request.SET_LOG_FD, { size: 0, fds: 1 }],
  [Request.SET_VRING_NUM, { size: STATE_SIZE, fds: 0 }],
  [Request.SET_VRING_ADDR, { size: ADDR_SIZE, fds: 0 }],
  [Request.SET_VRING_BASE, { size: STATE_SIZE, fds: 0 }],
  [Request.GET_VRING_BASE, { size: STATE_SIZE, fds: 0 }],
  [Request.SET_VRING_KICK, { size: U64_SIZE, fds: 'vring' }],
  [Request.SET_VRING_CALL, { size: U64_SIZE, fds: 'vring' }],
  [Request.SET_VRING_ERR, { size: U64_SIZE, fds: 'vring' }],
  [Request.GET_PROTOCOL_FEATURES, { size: 0, fds: 0 }],
  [Request.SET_PROTOCOL_FEATURES, { size: U64_SIZE, fds: 0 }],
  [Request.GET_QUEUE_NUM, { size: 0, fds: 0 }],
  [Request.SET_VRING_ENABLE, { size: STATE_SIZE, fds: 0 }],
  [Request.SEND_RARP, { size: U64_SIZE, fds: 0 }],
  [Request.NET_SET_MTU, { size: U64_SIZE, fds: 0 }],
  [Request.SET_BACKEND_REQ_FD, { size: 0, fds: 1 }],
  [Request.GET_MAX_MEM_SLOTS, { size: 0, fds: 0 }],
  [Request.SET_STATUS, { size: U64_SIZE, fds: 0 }],
  [Request.GET_STATUS, { size: 0, fds: 0 }],
]);

/** Requests whose payload is a vring state `{u32 index, u32 num}`. */
const VRING_STATE_REQUESTS = new Set<number>([Request.SET_VRING_NUM, Request.SET_VRING_BASE, Request.GET_VRING_BASE, Request.SET_VRING_ENABLE]);

/** The checked header of a message. */
export interface MessageHeader {
  readonly request: number;
  readonly flags: number;
  readonly size: number;
}

/**
 * Checks a header as soon as its 12 bytes are in: known request, version 1, a payload no
 * larger than {@link MAX_PAYLOAD}, at most {@link MAX_FDS} fds.
 * @throws NicError `NIC_EINVAL` naming the request and what is wrong.
 */
export function checkHeader(header: MessageHeader, fdCount: number): void {
  const { request, flags, size } = header;
  if (!SHAPES.has(request)) throw new NicError('NIC_ENOTSUP', `vhost-user: request ${request} is not supported`);
  if ((flags & FLAG_VERSION_MASK) !== FLAG_VERSION) throw new NicError('NIC_EINVAL', `vhost-user: request ${request} has version ${flags & FLAG_VERSION_MASK}, not 1`);
  if (size > MAX_PAYLOAD) throw new NicError('NIC_EINVAL', `vhost-user: request ${request} has a ${size}-byte payload (at most ${MAX_PAYLOAD})`);
  if (fdCount > MAX_FDS) throw new NicError('NIC_EINVAL', `vhost-user: request ${request} came with ${fdCount} fds (at most ${MAX_FDS})`);
}

/**
 * Checks a whole message (header, payload bytes and the number of fds that came with it)
 * against its request's shape and stateless rules.
 * @throws NicError `NIC_EINVAL` (or `NIC_ENOTSUP` for an unknown request) naming the problem.
 */
export function checkMessage(header: MessageHeader, payload: DataView, fdCount: number): void {
  checkHeader(header, fdCount);
  const { request, size } = header;
  const shape = SHAPES.get(request)!;
  const name = requestName(request);
  if (payload.byteLength !== size) throw new NicError('NIC_EINVAL', `vhost-user ${name}: ${payload.byteLength} payload bytes where the header says ${size}`);
  if (shape.size >= 0 && size !== shape.size) throw new NicError('NIC_EINVAL', `vhost-user ${name}: payload of ${size} bytes, expected ${shape.size}`);
  let fds = 0;
  switch (shape.fds) {
    case 'region':
      fds = memTableRegionCount(payload);
      break;
    case 'vring':
      fds = Number(payload.getBigUint64(0, true) & BigInt(VRING_NOFD_MASK)) ? 0 : 1;
      if (Number(payload.getBigUint64(0, true) >> 9n) !== 0) throw new NicError('NIC_EINVAL', `vhost-user ${name}: reserved bits set in ${payload.getBigUint64(0, true)}`);
      break;
    default:
      fds = shape.fds;
  }
  if (fdCount !== fds) throw new NicError('NIC_EINVAL', `vhost-user ${name}: ${fdCount} fds, expected ${fds}`);
  if (VRING_STATE_REQUESTS.has(request) || request === Request.SET_VRING_ADDR) {
    const index = payload.getUint32(request === Request.SET_VRING_ADDR ? ADDR_INDEX : 0, true);
    if (index >= MAX_VRINGS) throw new NicError('NIC_EINVAL', `vhost-user ${name}: vring index ${index} (at most ${MAX_VRINGS - 1})`);
  }
  if (request === Request.SET_VRING_NUM) {
    const num = payload.getUint32(4, true);
    // A split ring's size must also be a power of 2: checked when its rings are mapped, once
    // the features say which format it is (a packed ring's need not be).
    if (num === 0 || num > MAX_QUEUE_SIZE) {
      throw new NicError('NIC_EINVAL', `vhost-user ${name}: ring size ${num} is not from 1 to ${MAX_QUEUE_SIZE}`);
    }
  }
  if (request === Request.SET_MEM_TABLE) memTableRegions(payload);
}

/** The region count of a SET_MEM_TABLE payload, with its size checked against it. */
function memTableRegionCount(payload: DataView): number {
  if (payload.byteLength < MEM_HEADER_SIZE) throw new NicError('NIC_EINVAL', `vhost-user SET_MEM_TABLE: ${payload.byteLength}-byte payload`);
  const n = payload.getUint32(0, true);
  if (n === 0 || n > MAX_MEM_REGIONS) throw new NicError('NIC_EINVAL', `vhost-user SET_MEM_TABLE: ${n} regions (1 to ${MAX_MEM_REGIONS})`);
  if (payload.byteLength !== MEM_HEADER_SIZE + n * MEM_REGION_SIZE) {
    throw new NicError('NIC_EINVAL', `vhost-user SET_MEM_TABLE: ${payload.byteLength} bytes for ${n} regions`);
  }
  return n;
}

/** A u64 field that must fit a JavaScript number exactly. */
function u53(view: DataView, offset: number, what: string): number {
  const value = view.getBigUint64(offset, true);
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new NicError('NIC_EINVAL', `vhost-user SET_MEM_TABLE: ${what} 0x${value.toString(16)} is beyond 2^53`);
  return Number(value);
}

/**
 * The regions of a SET_MEM_TABLE payload, each with a non-zero size and every end
 * (`gpa + size`, `uva + size`, `mmap_offset + size`) representable without overflow.
 * @throws NicError `NIC_EINVAL` naming the region.
 */
export function memTableRegions(payload: DataView): RegionDescription[] {
  const n = memTableRegionCount(payload);
  const regions: RegionDescription[] = [];
  for (let i = 0; i < n; i++) {
    const base = MEM_HEADER_SIZE + i * MEM_REGION_SIZE;
    const guestPhysAddr = u53(payload, base + REGION_GPA, `region ${i} guest address`);
    const size = u53(payload, base + REGION_SIZE, `region ${i} size`);
    const userspaceAddr = u53(payload, base + REGION_UVA, `region ${i} userspace address`);
    const mmapOffset = u53(payload, base + REGION_MMAP_OFFSET, `region ${i} mmap offset`);
    if (size === 0) throw new NicError('NIC_EINVAL', `vhost-user SET_MEM_TABLE: region ${i} is empty`);
    for (const [start, what] of [
      [guestPhysAddr, 'guest address'],
      [userspaceAddr, 'userspace address'],
      [mmapOffset, 'mmap offset'],
    ] as const) {
      if (start + size > Number.MAX_SAFE_INTEGER) throw new NicError('NIC_EINVAL', `vhost-user SET_MEM_TABLE: region ${i} ${what} + size overflows`);
    }
    regions.push({ guestPhysAddr, size, userspaceAddr, mmapOffset });
  }
  return regions;
}

/** The name of a request id, for messages. */
export function requestName(request: number): string {
  for (const [name, id] of Object.entries(Request)) if (id === request) return name;
  return `request ${request}`;
}
