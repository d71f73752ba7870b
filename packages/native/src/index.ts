export { NicError, type NicErrorCode, type NicErrorOptions } from './error.js';
export {
  allocAnonymous,
  attach,
  mapFd,
  mapFile,
  pageSize,
  virtToPhys,
  virtToPhysRange,
  type FdMapOptions,
  type MapOptions,
  type MemoryMapping,
  type Placement,
} from './memory.js';
export {
  HUGEPAGE_1G,
  HUGEPAGE_2M,
  allocHugepages,
  defaultHugepageSize,
  hugepagePool,
  hugepagePools,
  hugetlbfsMounts,
  parseDefaultHugepageSize,
  parseHugetlbfsMounts,
  type HugepageMapping,
  type HugepageMethod,
  type HugepageOptions,
  type HugepagePool,
  type HugetlbfsMount,
} from './hugepage.js';
export { mb, rmb, wmb } from './fence.js';
export { closeFd, pipe, pread, pwrite } from './fd.js';
export {
  Epoll,
  FdWatcher,
  epollWait,
  eventfd,
  eventfdRead,
  eventfdWrite,
  timerfd,
  timerfdRead,
  timerfdSet,
  watchFd,
  type EventfdOptions,
  type FdCallback,
} from './events.js';
export { FramedReader, type Framing, type FramedReaderHandlers } from './framed-reader.js';
export {
  unixAccept,
  unixConnect,
  unixListen,
  unixRecvmsg,
  unixSendmsg,
  type RecvResult,
  type UnixSocketType,
} from './socket.js';
export {
  VFIO,
  VFIO_CONTAINER_PATH,
  vfioCheckExtension,
  vfioDeviceGetInfo,
  vfioDeviceGetIrqInfo,
  vfioDeviceGetRegionInfo,
  vfioDeviceReset,
  vfioDeviceSetIrqs,
  vfioGetApiVersion,
  vfioGroupGetDeviceFd,
  vfioGroupGetStatus,
  vfioGroupSetContainer,
  vfioGroupUnsetContainer,
  vfioIommuMapDma,
  vfioIommuUnmapDma,
  vfioOpenContainer,
  vfioOpenGroup,
  vfioSetIommu,
  type VfioConstants,
  type VfioDeviceInfo,
  type VfioGroupStatus,
  type VfioIrqInfo,
  type VfioRegionInfo,
  type VfioSparseArea,
} from './vfio.js';
export { uioRead, uioWrite } from './uio.js';
export { getAffinity, getThreadName, gettid, setAffinity, setThreadName, threadCpuTimeNs } from './thread.js';
export {
  DUPLEX_FULL,
  DUPLEX_HALF,
  DUPLEX_UNKNOWN,
  IFF_ALLMULTI,
  IFF_BROADCAST,
  IFF_LOOPBACK,
  IFF_MULTICAST,
  IFF_PROMISC,
  IFF_RUNNING,
  IFF_UP,
  IFNAMSIZ,
  netifIndex,
  netifInfo,
  netifLink,
  netifLinkWait,
  netifSetMac,
  netifSetMtu,
  netifSetUp,
  type NetifInfo,
  type NetifLink,
} from './netif.js';
export * from './packet-layout.js';
export {
  PacketSocket,
  packetMembership,
  packetOpen,
  packetStatistics,
  packetTxKick,
  type PacketMembershipType,
  type PacketSocketOptions,
} from './packet.js';
export type { PacketStatistics } from './addon.js';
export { tapAttachQueue, tapCreate, tapReadBurst, tapWriteBurst, type TapCreateOptions, type TapInterface } from './tap.js';
