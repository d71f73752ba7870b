import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { NicError, type NicErrorCode } from './error.js';

/** A mapping as the addon returns it; {@link MemoryMapping} is its public face. */
export interface RawRegion {
  readonly id: number;
  readonly address: number;
  readonly length: number;
  readonly buffer: SharedArrayBuffer;
  /** Offset inside the buffer the region was placed in, -1 when not placed. */
  readonly hostOffset: number;
}

/** A hugepage mapping as the addon returns it. */
export interface RawHugepageRegion extends RawRegion {
  readonly fd: number;
  readonly method: 'hugetlbfs' | 'memfd';
}

/** What `unixRecvmsg` returns. */
export interface RawRecvResult {
  readonly bytes: number;
  readonly fds: number[];
  readonly fdsTruncated: boolean;
  readonly truncated: boolean;
}

/** Decoded `VFIO_GROUP_GET_STATUS`. */
export interface VfioGroupStatus {
  readonly flags: number;
  /** Every device in the group is bound to a VFIO driver (or none at all). */
  readonly viable: boolean;
  /** The group is attached to a container. */
  readonly containerSet: boolean;
}

/** Decoded `VFIO_DEVICE_GET_INFO`. */
export interface VfioDeviceInfo {
  readonly flags: number;
  readonly numRegions: number;
  readonly numIrqs: number;
  /** `VFIO_DEVICE_RESET` is supported. */
  readonly reset: boolean;
  /** A vfio-pci device: regions and interrupts follow the `VFIO_PCI_*_INDEX` layout. */
  readonly pci: boolean;
}

/** One mmap-able window of a region (`VFIO_REGION_INFO_CAP_SPARSE_MMAP`). */
export interface VfioSparseArea {
  /** Offset inside the region. */
  readonly offset: number;
  readonly size: number;
}

/** Decoded `VFIO_DEVICE_GET_REGION_INFO`, capability chain included. */
export interface VfioRegionInfo {
  readonly index: number;
  readonly flags: number;
  /** Bytes; 0 for a region the device does not implement. */
  readonly size: number;
  /** Where the region starts in the device fd, for pread/pwrite/mmap. */
  readonly offset: number;
  readonly readable: boolean;
  readonly writable: boolean;
  readonly mappable: boolean;
  /** When present, only these windows may be mapped (the rest, e.g. an MSI-X table, may not). */
  readonly sparseAreas: readonly VfioSparseArea[] | null;
  /** `VFIO_REGION_INFO_CAP_TYPE`, for device-specific regions. */
  readonly type: { readonly type: number; readonly subtype: number } | null;
  /** `VFIO_REGION_INFO_CAP_MSIX_MAPPABLE`: the MSI-X table may be mapped too. */
  readonly msixMappable: boolean;
  /** Every capability in the chain, known or not. */
  readonly capabilities: readonly { readonly id: number; readonly version: number }[];
}

/** Decoded `VFIO_DEVICE_GET_IRQ_INFO`. */
export interface VfioIrqInfo {
  readonly index: number;
  readonly flags: number;
  /** Interrupts (vectors) in this index; 0 when the device has none of this kind. */
  readonly count: number;
  readonly eventfd: boolean;
  readonly maskable: boolean;
  /** Level-triggered: masked by the kernel on each interrupt, the user unmasks. */
  readonly automasked: boolean;
  /** The set must be disabled before enabling more vectors. */
  readonly noresize: boolean;
}

/** The VFIO constants of `<linux/vfio.h>` this package uses, with their header names. */
export interface VfioConstants {
  readonly VFIO_API_VERSION: number;
  readonly VFIO_TYPE1_IOMMU: number;
  readonly VFIO_TYPE1v2_IOMMU: number;
  readonly VFIO_NOIOMMU_IOMMU: number;
  readonly VFIO_GROUP_FLAGS_VIABLE: number;
  readonly VFIO_GROUP_FLAGS_CONTAINER_SET: number;
  readonly VFIO_DEVICE_FLAGS_RESET: number;
  readonly VFIO_DEVICE_FLAGS_PCI: number;
  readonly VFIO_REGION_INFO_FLAG_READ: number;
  readonly VFIO_REGION_INFO_FLAG_WRITE: number;
  readonly VFIO_REGION_INFO_FLAG_MMAP: number;
  readonly VFIO_REGION_INFO_FLAG_CAPS: number;
  readonly VFIO_REGION_INFO_CAP_SPARSE_MMAP: number;
  readonly VFIO_REGION_INFO_CAP_TYPE: number;
  readonly VFIO_REGION_INFO_CAP_MSIX_MAPPABLE: number;
  readonly VFIO_IRQ_INFO_EVENTFD: number;
  readonly VFIO_IRQ_INFO_MASKABLE: number;
  readonly VFIO_IRQ_INFO_AUTOMASKED: number;
  readonly VFIO_IRQ_INFO_NORESIZE: number;
  readonly VFIO_IRQ_SET_DATA_NONE: number;
  readonly VFIO_IRQ_SET_DATA_BOOL: number;
  readonly VFIO_IRQ_SET_DATA_EVENTFD: number;
  readonly VFIO_IRQ_SET_ACTION_MASK: number;
  readonly VFIO_IRQ_SET_ACTION_UNMASK: number;
  readonly VFIO_IRQ_SET_ACTION_TRIGGER: number;
  readonly VFIO_DMA_MAP_FLAG_READ: number;
  readonly VFIO_DMA_MAP_FLAG_WRITE: number;
  readonly VFIO_PCI_BAR0_REGION_INDEX: number;
  readonly VFIO_PCI_BAR1_REGION_INDEX: number;
  readonly VFIO_PCI_BAR2_REGION_INDEX: number;
  readonly VFIO_PCI_BAR3_REGION_INDEX: number;
  readonly VFIO_PCI_BAR4_REGION_INDEX: number;
  readonly VFIO_PCI_BAR5_REGION_INDEX: number;
  readonly VFIO_PCI_ROM_REGION_INDEX: number;
  readonly VFIO_PCI_CONFIG_REGION_INDEX: number;
  readonly VFIO_PCI_VGA_REGION_INDEX: number;
  readonly VFIO_PCI_NUM_REGIONS: number;
  readonly VFIO_PCI_INTX_IRQ_INDEX: number;
  readonly VFIO_PCI_MSI_IRQ_INDEX: number;
  readonly VFIO_PCI_MSIX_IRQ_INDEX: number;
  readonly VFIO_PCI_ERR_IRQ_INDEX: number;
  readonly VFIO_PCI_REQ_IRQ_INDEX: number;
  readonly VFIO_PCI_NUM_IRQS: number;
}

/** What `netifInfo` returns. */
export interface RawNetifInfo {
  readonly ifindex: number;
  readonly mtu: number;
  readonly mac: Uint8Array;
  /** The hardware address is an Ethernet one (ARPHRD_ETHER). */
  readonly ether: boolean;
  /** `SIOCGIFFLAGS` bits. */
  readonly flags: number;
  /** Mbps; 0 when unknown. */
  readonly speed: number;
  /** `DUPLEX_*` of `<linux/ethtool.h>`. */
  readonly duplex: number;
  readonly autoneg: boolean;
}

/** What `packetOpen` returns. */
export interface RawPacketSocket {
  readonly fd: number;
  readonly ifindex: number;
  /** The fanout group joined, -1 for none. */
  readonly fanoutGroup: number;
  /** The rx ring then the tx ring. */
  readonly region: RawRegion;
}

/** `PACKET_STATISTICS` of a TPACKET_V3 socket (`struct tpacket_stats_v3`). */
export interface PacketStatistics {
  /** Packets that reached the socket since the previous read, dropped ones included. */
  readonly packets: number;
  /** Packets dropped since the previous read (ring full, or fanout had nowhere to put them). */
  readonly drops: number;
  /** Times the rx ring filled up and the kernel stopped filling it, since the previous read. */
  readonly freezeCount: number;
}

/** What `tapCreate` returns. */
export interface RawTapInterface {
  /** The interface name (the kernel's choice when none was asked for). */
  readonly name: string;
  /** The fd of its first queue. */
  readonly fd: number;
}

/** Builds the error every native failure throws. */
export type ErrorFactory = (code: NicErrorCode, message: string, errno?: number, syscall?: string) => Error;

/**
 * The raw exports of the compiled addon. The wrappers in this package give them their
 * contracts; the C++ checks every argument again, so a wrong value is an exception here too.
 */
export interface NativeAddon {
  readonly abi: number;
  setErrorFactory(factory: ErrorFactory): void;
  nop(): void;

  pageSize(): number;
  mapFile(path: string, offset: number, length: number | undefined, writable: boolean): RawRegion;
  mapFd(fd: number, offset: number, length: number | undefined, writable: boolean, within?: SharedArrayBuffer, at?: number): RawRegion;
  allocAnonymous(length: number, within: SharedArrayBuffer | undefined): RawRegion;
  allocHugepages(length: number, pageSize: number, dir: string, keepFd: boolean, within: SharedArrayBuffer | undefined): RawHugepageRegion;
  unmap(id: number): void;
  attach(address: number, length: number): SharedArrayBuffer;
  virtToPhys(address: number): number;
  virtToPhysRange(address: number, stride: number, out: Float64Array): void;

  mb(): void;
  rmb(): void;
  wmb(): void;

  close(fd: number): void;
  pread(fd: number, buffer: Uint8Array, offset: number): number;
  pipe(nonblock: boolean): [number, number];
  pwrite(fd: number, data: Uint8Array, offset: number): number;

  eventfdCreate(initval: number, semaphore: boolean, nonblock: boolean): number;
  eventfdRead(fd: number): number;
  eventfdWrite(fd: number, value: number): void;
  timerfdCreate(): number;
  timerfdSettime(fd: number, initialUs: number, intervalUs: number): void;
  timerfdRead(fd: number): number;
  watch(fd: number, callback: (fd: number, error?: NicError) => void): number;
  watchClose(id: number): boolean;
  watchRef(id: number, ref: boolean): boolean;
  epollCreate(): number;
  epollAdd(epfd: number, fd: number): void;
  epollRemove(epfd: number, fd: number): void;
  epollWait(epfd: number, out: Int32Array, timeoutMs: number): number;
  epollWaitFds(fds: readonly number[], timeoutMs: number): number[];

  unixListen(path: string, type: 'stream' | 'seqpacket', backlog: number): number;
  unixAccept(fd: number): number;
  unixConnect(path: string, type: 'stream' | 'seqpacket'): number;
  unixSendmsg(fd: number, data: Uint8Array, fds: readonly number[]): number;
  unixRecvmsg(fd: number, buffer: Uint8Array, maxFds: number): RawRecvResult;

  readonly vfioConstants: VfioConstants;
  vfioOpen(path: string): number;
  vfioGetApiVersion(container: number): number;
  vfioCheckExtension(container: number, extension: number): number;
  vfioSetIommu(container: number, type: number): void;
  vfioGroupGetStatus(group: number): VfioGroupStatus;
  vfioGroupSetContainer(group: number, container: number): void;
  vfioGroupUnsetContainer(group: number): void;
  vfioGroupGetDeviceFd(group: number, name: string): number;
  vfioDeviceGetInfo(device: number): VfioDeviceInfo;
  vfioDeviceGetRegionInfo(device: number, index: number): VfioRegionInfo;
  vfioDeviceGetIrqInfo(device: number, index: number): VfioIrqInfo;
  vfioDeviceSetIrqs(
    device: number,
    index: number,
    start: number,
    count: number,
    flags: number,
    data: readonly number[] | null,
  ): void;
  vfioDeviceReset(device: number): void;
  vfioIommuMapDma(container: number, vaddr: number, iova: number, size: number, flags: number): void;
  vfioIommuUnmapDma(container: number, iova: number, size: number): number;

  uioRead(fd: number): number;
  uioWrite(fd: number, enable: boolean | 0 | 1): void;

  setAffinity(cpus: readonly number[], tid?: number): void;
  getAffinity(tid?: number): number[];
  setThreadName(name: string): void;
  getThreadName(): string;
  gettid(): number;
  threadCpuTimeNs(): number;

  readonly netifConstants: Readonly<Record<string, number>>;
  netifIndex(name: string): number;
  netifInfo(name: string): RawNetifInfo;
  netifSetUp(name: string, up: boolean): void;
  netifSetMtu(name: string, mtu: number): void;
  netifSetMac(name: string, mac: Uint8Array): void;

  readonly packetLayout: Readonly<Record<string, number>>;
  packetOpen(
    ifname: string,
    blockSize: number,
    blockCount: number,
    frameSize: number,
    frameCount: number,
    retireTimeoutMs: number,
    fanoutGroup: number,
    qdiscBypass: boolean,
    ignoreOutgoing: boolean,
  ): RawPacketSocket;
  packetTxKick(fd: number): number;
  packetStatistics(fd: number): PacketStatistics;
  packetMembership(fd: number, ifindex: number, type: 'promisc' | 'allmulti', add: boolean): void;

  tapCreate(name: string, multiQueue: boolean): RawTapInterface;
  tapAttachQueue(name: string): number;
  tapReadBurst(
    fd: number,
    memory: Uint8Array,
    offsets: Uint32Array,
    maxLens: Uint16Array | Uint32Array,
    outLens: Uint16Array | Uint32Array,
    n: number,
  ): number;
  tapWriteBurst(
    fd: number,
    memory: Uint8Array,
    offsets: Uint32Array,
    lens: Uint16Array | Uint32Array,
    results: Int32Array | undefined,
    n: number,
  ): number;
}

/** The export surface version this TypeScript was written against (`kAbi` in addon.cc). */
const ABI = 4;

const require = createRequire(import.meta.url);
/** The package's directory: `src/` and `dist/` both sit one level below it. */
const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * The compiled addon, found as node-gyp-build finds it: a build from source
 * (`build/Release/*.node`) first, then the binary prebuilt for this platform
 * (`prebuilds/<platform>-<arch>/`, shipped in the npm package). `NIC_ADDON` names another
 * binary instead: the sanitizer build the tests run under (`build-asan/nic_native.node`).
 */
function loadBinary(): NativeAddon {
  const nodeGypBuild = require('node-gyp-build') as (dir: string) => unknown;
  try {
    const path = process.env['NIC_ADDON'];
    return (path ? require(path) : nodeGypBuild(PACKAGE_DIR)) as NativeAddon;
  } catch (e) {
    throw new NicError(
      'NIC_ENOTSUP',
      `@nic/native: no addon binary loads here (${(e as Error).message.split('\n')[0]}); build one from source with \`npm rebuild @nic/native --build-from-source\` (needs python3, make, g++)`,
      { cause: e },
    );
  }
}

function load(): NativeAddon {
  const raw = loadBinary();
  if (raw.abi !== ABI) {
    throw new NicError(
      'NIC_EINVAL',
      `@nic/native: the compiled addon has export surface ${raw.abi}, this code expects ${ABI}; rebuild it (npm run build -w @nic/native)`,
    );
  }
  raw.setErrorFactory((code, message, errno, syscall) => new NicError(code, message, { errno, syscall }));
  return raw;
}

/**
 * The loaded addon (built from source, or prebuilt for this platform), with failures
 * thrown as {@link NicError}. Every thread that imports this module loads its own instance.
 */
export const addon: NativeAddon = load();
