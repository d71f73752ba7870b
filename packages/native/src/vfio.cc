// Thin, checked wrappers over the VFIO ioctls of <linux/vfio.h>. Structures the kernel fills
// in are decoded into plain objects; capability chains are walked with every offset checked
// against the buffer, so a malformed answer is an error and never a stray read.
#include "vfio.h"

#include <fcntl.h>
#include <linux/vfio.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "args.h"
#include "errors.h"
#include "memory.h"

namespace nic {

namespace {

// Largest info buffer accepted from the kernel (a region's capability chain is far smaller).
constexpr uint32_t kMaxInfoSize = 64 * 1024;
// Longest capability chain walked before it is taken for a loop.
constexpr int kMaxCaps = 64;
// Most interrupts one SET_IRQS call addresses (PCI MSI-X allows 2048 vectors).
constexpr size_t kMaxIrqs = 2048;

std::string On(const char* request, int fd) { return std::string(request) + " on fd " + std::to_string(fd); }

// ioctl(fd, request, arg); returns its result, or -1 after throwing.
int Ioctl(Napi::Env env, int fd, unsigned long request, void* arg, const char* name) {
  int rc = ioctl(fd, request, arg);
  if (rc < 0) {
    int err = errno;
    ThrowErrno(env, err, "ioctl", On(name, fd));
  }
  return rc;
}

// ioctl(fd, request, value) for the requests that take an integer argument.
int IoctlValue(Napi::Env env, int fd, unsigned long request, unsigned long value, const char* name) {
  int rc = ioctl(fd, request, value);
  if (rc < 0) {
    int err = errno;
    ThrowErrno(env, err, "ioctl", On(name, fd));
  }
  return rc;
}

Napi::Number Num(Napi::Env env, uint64_t value) { return Napi::Number::New(env, static_cast<double>(value)); }

// vfioOpen(path) -> fd: the container (/dev/vfio/vfio) or a group (/dev/vfio/<n>).
Napi::Value VfioOpen(const Napi::CallbackInfo& info) {
  std::string path;
  if (!ArgPath(info, 0, "vfio path", &path)) return Napi::Value();
  // O_NONBLOCK: a path naming a FIFO or a slow device must not stop the event loop.
  int fd = open(path.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    ThrowErrno(info.Env(), err, "open", "opening " + path);
    return Napi::Value();
  }
  return Napi::Number::New(info.Env(), fd);
}

// vfioGetApiVersion(container) -> VFIO_API_VERSION of the kernel
Napi::Value GetApiVersion(const Napi::CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, "ioctl", &fd)) return Napi::Value();
  int rc = IoctlValue(info.Env(), fd, VFIO_GET_API_VERSION, 0, "VFIO_GET_API_VERSION");
  return rc < 0 ? Napi::Value() : Napi::Number::New(info.Env(), rc);
}

// vfioCheckExtension(container, extension) -> 0 when unsupported, positive when supported
Napi::Value CheckExtension(const Napi::CallbackInfo& info) {
  int fd;
  uint64_t extension;
  if (!ArgFd(info, 0, "ioctl", &fd) || !ArgUint(info, 1, "vfioCheckExtension extension", UINT32_MAX, &extension)) {
    return Napi::Value();
  }
  int rc = IoctlValue(info.Env(), fd, VFIO_CHECK_EXTENSION, extension, "VFIO_CHECK_EXTENSION");
  return rc < 0 ? Napi::Value() : Napi::Number::New(info.Env(), rc);
}

// vfioSetIommu(container, type): VFIO_TYPE1_IOMMU, VFIO_TYPE1v2_IOMMU or VFIO_NOIOMMU_IOMMU
Napi::Value SetIommu(const Napi::CallbackInfo& info) {
  int fd;
  uint64_t type;
  if (!ArgFd(info, 0, "ioctl", &fd) || !ArgUint(info, 1, "vfioSetIommu type", UINT32_MAX, &type)) {
    return Napi::Value();
  }
  return IoctlValue(info.Env(), fd, VFIO_SET_IOMMU, type, "VFIO_SET_IOMMU") < 0 ? Napi::Value()
                                                                                : info.Env().Undefined();
}

// vfioGroupGetStatus(group) -> { flags, viable, containerSet }
Napi::Value GroupGetStatus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgFd(info, 0, "ioctl", &fd)) return Napi::Value();
  vfio_group_status status = {};
  status.argsz = sizeof(status);
  if (Ioctl(env, fd, VFIO_GROUP_GET_STATUS, &status, "VFIO_GROUP_GET_STATUS") < 0) return Napi::Value();
  Napi::Object result = Napi::Object::New(env);
  result.Set("flags", Num(env, status.flags));
  result.Set("viable", (status.flags & VFIO_GROUP_FLAGS_VIABLE) != 0);
  result.Set("containerSet", (status.flags & VFIO_GROUP_FLAGS_CONTAINER_SET) != 0);
  return result;
}

// vfioGroupSetContainer(group, container)
Napi::Value GroupSetContainer(const Napi::CallbackInfo& info) {
  int group, container;
  if (!ArgFd(info, 0, "ioctl", &group) || !ArgFd(info, 1, "ioctl", &container)) return Napi::Value();
  return Ioctl(info.Env(), group, VFIO_GROUP_SET_CONTAINER, &container, "VFIO_GROUP_SET_CONTAINER") < 0
             ? Napi::Value()
             : info.Env().Undefined();
}

// vfioGroupUnsetContainer(group)
Napi::Value GroupUnsetContainer(const Napi::CallbackInfo& info) {
  int group;
  if (!ArgFd(info, 0, "ioctl", &group)) return Napi::Value();
  return IoctlValue(info.Env(), group, VFIO_GROUP_UNSET_CONTAINER, 0, "VFIO_GROUP_UNSET_CONTAINER") < 0
             ? Napi::Value()
             : info.Env().Undefined();
}

// vfioGroupGetDeviceFd(group, name) -> device fd; name is the PCI address "0000:01:00.0"
Napi::Value GroupGetDeviceFd(const Napi::CallbackInfo& info) {
  int group;
  std::string name;
  if (!ArgFd(info, 0, "ioctl", &group) || !ArgString(info, 1, "vfioGroupGetDeviceFd name", &name)) {
    return Napi::Value();
  }
  if (name.empty() || name.find('\0') != std::string::npos) {
    ThrowNic(info.Env(), "NIC_EINVAL", "vfioGroupGetDeviceFd: the device name must be non-empty text");
    return Napi::Value();
  }
  int fd = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, name.c_str());
  if (fd < 0) {
    int err = errno;
    ThrowErrno(info.Env(), err, "ioctl", On("VFIO_GROUP_GET_DEVICE_FD", group) + " for device " + name);
    return Napi::Value();
  }
  return Napi::Number::New(info.Env(), fd);
}

// vfioDeviceGetInfo(device) -> { flags, numRegions, numIrqs, reset, pci }
Napi::Value DeviceGetInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgFd(info, 0, "ioctl", &fd)) return Napi::Value();
  vfio_device_info device = {};
  device.argsz = sizeof(device);
  if (Ioctl(env, fd, VFIO_DEVICE_GET_INFO, &device, "VFIO_DEVICE_GET_INFO") < 0) return Napi::Value();
  Napi::Object result = Napi::Object::New(env);
  result.Set("flags", Num(env, device.flags));
  result.Set("numRegions", Num(env, device.num_regions));
  result.Set("numIrqs", Num(env, device.num_irqs));
  result.Set("reset", (device.flags & VFIO_DEVICE_FLAGS_RESET) != 0);
  result.Set("pci", (device.flags & VFIO_DEVICE_FLAGS_PCI) != 0);
  return result;
}

// Whether [offset, offset + size) lies inside a buffer of `total` bytes.
bool Fits(uint64_t offset, uint64_t size, uint64_t total) { return offset <= total && size <= total - offset; }

// Decodes the capability chain of a region info buffer into `result`. Returns false after
// throwing NIC_EIO for a chain that leaves the buffer or loops.
bool DecodeRegionCaps(Napi::Env env, const uint8_t* base, uint32_t total, uint32_t first, Napi::Object result,
                      const std::string& what) {
  Napi::Array caps = Napi::Array::New(env);
  uint32_t offset = first;
  for (int n = 0; offset != 0; n++) {
    if (n == kMaxCaps || offset < sizeof(vfio_region_info) || !Fits(offset, sizeof(vfio_info_cap_header), total)) {
      ThrowErrno(env, EIO, "ioctl", what + ": malformed capability chain at offset " + std::to_string(offset));
      return false;
    }
    vfio_info_cap_header header;
    memcpy(&header, base + offset, sizeof(header));
    Napi::Object cap = Napi::Object::New(env);
    cap.Set("id", Num(env, header.id));
    cap.Set("version", Num(env, header.version));
    caps.Set(static_cast<uint32_t>(n), cap);
    if (header.id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
      vfio_region_info_cap_sparse_mmap sparse;
      if (!Fits(offset, sizeof(sparse), total)) {
        ThrowErrno(env, EIO, "ioctl", what + ": truncated sparse mmap capability");
        return false;
      }
      memcpy(&sparse, base + offset, sizeof(sparse));
      uint64_t areasBytes = uint64_t{sparse.nr_areas} * sizeof(vfio_region_sparse_mmap_area);
      if (!Fits(offset + sizeof(sparse), areasBytes, total)) {
        ThrowErrno(env, EIO, "ioctl", what + ": sparse mmap capability lists more areas than it holds");
        return false;
      }
      Napi::Array areas = Napi::Array::New(env, sparse.nr_areas);
      for (uint32_t k = 0; k < sparse.nr_areas; k++) {
        vfio_region_sparse_mmap_area area;
        memcpy(&area, base + offset + sizeof(sparse) + k * sizeof(area), sizeof(area));
        Napi::Object entry = Napi::Object::New(env);
        entry.Set("offset", Num(env, area.offset));
        entry.Set("size", Num(env, area.size));
        areas.Set(k, entry);
      }
      result.Set("sparseAreas", areas);
    } else if (header.id == VFIO_REGION_INFO_CAP_TYPE) {
      vfio_region_info_cap_type type;
      if (!Fits(offset, sizeof(type), total)) {
        ThrowErrno(env, EIO, "ioctl", what + ": truncated type capability");
        return false;
      }
      memcpy(&type, base + offset, sizeof(type));
      Napi::Object entry = Napi::Object::New(env);
      entry.Set("type", Num(env, type.type));
      entry.Set("subtype", Num(env, type.subtype));
      result.Set("type", entry);
    } else if (header.id == VFIO_REGION_INFO_CAP_MSIX_MAPPABLE) {
      result.Set("msixMappable", true);
    }
    offset = header.next;
  }
  result.Set("capabilities", caps);
  return true;
}

// vfioDeviceGetRegionInfo(device, index) -> { index, flags, size, offset, readable, writable,
// mappable, sparseAreas, type, msixMappable, capabilities }
Napi::Value DeviceGetRegionInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  uint64_t index;
  if (!ArgFd(info, 0, "ioctl", &fd) || !ArgUint(info, 1, "vfioDeviceGetRegionInfo index", UINT32_MAX, &index)) {
    return Napi::Value();
  }
  std::string what = On("VFIO_DEVICE_GET_REGION_INFO", fd) + " (region " + std::to_string(index) + ")";
  // The kernel raises argsz when the capability chain does not fit; then ask again.
  std::vector<uint64_t> storage((sizeof(vfio_region_info) + 7) / 8);
  for (int attempt = 0; attempt < 2; attempt++) {
    uint32_t size = static_cast<uint32_t>(storage.size() * 8);
    auto* region = reinterpret_cast<vfio_region_info*>(storage.data());
    memset(region, 0, size);
    region->argsz = size;
    region->index = static_cast<uint32_t>(index);
    if (ioctl(fd, VFIO_DEVICE_GET_REGION_INFO, region) < 0) {
      int err = errno;
      ThrowErrno(env, err, "ioctl", what);
      return Napi::Value();
    }
    if (region->argsz <= size) break;
    if (region->argsz > kMaxInfoSize || attempt == 1) {
      ThrowErrno(env, EIO, "ioctl", what + ": the kernel asks for " + std::to_string(region->argsz) + " bytes");
      return Napi::Value();
    }
    storage.assign((region->argsz + 7) / 8, 0);
  }
  const auto* region = reinterpret_cast<const vfio_region_info*>(storage.data());
  Napi::Object result = Napi::Object::New(env);
  result.Set("index", Num(env, region->index));
  result.Set("flags", Num(env, region->flags));
  result.Set("size", Num(env, region->size));
  result.Set("offset", Num(env, region->offset));
  result.Set("readable", (region->flags & VFIO_REGION_INFO_FLAG_READ) != 0);
  result.Set("writable", (region->flags & VFIO_REGION_INFO_FLAG_WRITE) != 0);
  result.Set("mappable", (region->flags & VFIO_REGION_INFO_FLAG_MMAP) != 0);
  result.Set("sparseAreas", env.Null());
  result.Set("type", env.Null());
  result.Set("msixMappable", false);
  uint32_t first = (region->flags & VFIO_REGION_INFO_FLAG_CAPS) != 0 ? region->cap_offset : 0;
  uint32_t total = std::min<uint32_t>(region->argsz, static_cast<uint32_t>(storage.size() * 8));
  if (!DecodeRegionCaps(env, reinterpret_cast<const uint8_t*>(storage.data()), total, first, result, what)) {
    return Napi::Value();
  }
  return result;
}

// vfioDeviceGetIrqInfo(device, index) -> { index, flags, count, eventfd, maskable, automasked, noresize }
Napi::Value DeviceGetIrqInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  uint64_t index;
  if (!ArgFd(info, 0, "ioctl", &fd) || !ArgUint(info, 1, "vfioDeviceGetIrqInfo index", UINT32_MAX, &index)) {
    return Napi::Value();
  }
  vfio_irq_info irq = {};
  irq.argsz = sizeof(irq);
  irq.index = static_cast<uint32_t>(index);
  if (Ioctl(env, fd, VFIO_DEVICE_GET_IRQ_INFO, &irq, "VFIO_DEVICE_GET_IRQ_INFO") < 0) return Napi::Value();
  Napi::Object result = Napi::Object::New(env);
  result.Set("index", Num(env, irq.index));
  result.Set("flags", Num(env, irq.flags));
  result.Set("count", Num(env, irq.count));
  result.Set("eventfd", (irq.flags & VFIO_IRQ_INFO_EVENTFD) != 0);
  result.Set("maskable", (irq.flags & VFIO_IRQ_INFO_MASKABLE) != 0);
  result.Set("automasked", (irq.flags & VFIO_IRQ_INFO_AUTOMASKED) != 0);
  result.Set("noresize", (irq.flags & VFIO_IRQ_INFO_NORESIZE) != 0);
  return result;
}

bool OneBitOf(uint32_t flags, uint32_t mask) {
  uint32_t bits = flags & mask;
  return bits != 0 && (bits & (bits - 1)) == 0;
}

// vfioDeviceSetIrqs(device, index, start, count, flags, data | null). data holds one eventfd
// (-1: unassign) per interrupt for DATA_EVENTFD, one 0/1 per interrupt for DATA_BOOL, and is
// null for DATA_NONE.
Napi::Value DeviceSetIrqs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  uint64_t index, start, count, flags;
  if (!ArgFd(info, 0, "ioctl", &fd) || !ArgUint(info, 1, "vfioDeviceSetIrqs index", UINT32_MAX, &index) ||
      !ArgUint(info, 2, "vfioDeviceSetIrqs start", UINT32_MAX, &start) ||
      !ArgUint(info, 3, "vfioDeviceSetIrqs count", kMaxIrqs, &count) ||
      !ArgUint(info, 4, "vfioDeviceSetIrqs flags", UINT32_MAX, &flags)) {
    return Napi::Value();
  }
  uint32_t f = static_cast<uint32_t>(flags);
  if (!OneBitOf(f, VFIO_IRQ_SET_DATA_TYPE_MASK) || !OneBitOf(f, VFIO_IRQ_SET_ACTION_TYPE_MASK) ||
      (f & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK)) != 0) {
    ThrowNic(env, "NIC_EINVAL",
             "vfioDeviceSetIrqs: flags " + Hex(f) + " must hold exactly one VFIO_IRQ_SET_DATA_* and one "
             "VFIO_IRQ_SET_ACTION_* bit");
    return Napi::Value();
  }
  std::vector<uint8_t> payload;
  if ((f & VFIO_IRQ_SET_DATA_NONE) != 0) {
    if (!info[5].IsNull() && !info[5].IsUndefined()) {
      ThrowType(env, "vfioDeviceSetIrqs data must be null with VFIO_IRQ_SET_DATA_NONE");
      return Napi::Value();
    }
  } else {
    bool eventfds = (f & VFIO_IRQ_SET_DATA_EVENTFD) != 0;
    std::vector<int64_t> values;
    if (!ArgIntArray(info, 5, "vfioDeviceSetIrqs data", kMaxIrqs, eventfds ? -1 : 0, eventfds ? INT_MAX : 1,
                     &values)) {
      return Napi::Value();
    }
    if (values.size() != count) {
      ThrowNic(env, "NIC_EINVAL",
               "vfioDeviceSetIrqs: data holds " + std::to_string(values.size()) + " entries for count " +
                   std::to_string(count));
      return Napi::Value();
    }
    for (int64_t value : values) {
      if (eventfds) {
        int32_t fdValue = static_cast<int32_t>(value);
        const auto* bytes = reinterpret_cast<const uint8_t*>(&fdValue);
        payload.insert(payload.end(), bytes, bytes + sizeof(fdValue));
      } else {
        payload.push_back(static_cast<uint8_t>(value));
      }
    }
  }
  std::vector<uint64_t> storage((sizeof(vfio_irq_set) + payload.size() + 7) / 8);
  auto* set = reinterpret_cast<vfio_irq_set*>(storage.data());
  set->argsz = static_cast<uint32_t>(sizeof(vfio_irq_set) + payload.size());
  set->flags = f;
  set->index = static_cast<uint32_t>(index);
  set->start = static_cast<uint32_t>(start);
  set->count = static_cast<uint32_t>(count);
  if (!payload.empty()) memcpy(set->data, payload.data(), payload.size());
  if (ioctl(fd, VFIO_DEVICE_SET_IRQS, set) < 0) {
    int err = errno;
    ThrowErrno(env, err, "ioctl",
               On("VFIO_DEVICE_SET_IRQS", fd) + " (index " + std::to_string(index) + ", start " +
                   std::to_string(start) + ", count " + std::to_string(count) + ", flags " + Hex(f) + ")");
    return Napi::Value();
  }
  return env.Undefined();
}

// vfioDeviceReset(device)
Napi::Value DeviceReset(const Napi::CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, "ioctl", &fd)) return Napi::Value();
  return IoctlValue(info.Env(), fd, VFIO_DEVICE_RESET, 0, "VFIO_DEVICE_RESET") < 0 ? Napi::Value()
                                                                                    : info.Env().Undefined();
}

// The regions held for IOVA mappings: (container fd, iova) -> (size, region id). closeFd of
// the container lets go of its entries (ReleaseDmaPins): the kernel drops a container's
// mappings with it, once no group holds it.
struct DmaPin {
  uint64_t size;
  uint64_t region;
};
std::mutex dmaMutex;
std::map<std::pair<int, uint64_t>, DmaPin> dmaPins;

// vfioIommuMapDma(container, vaddr, iova, size, flags): the range must lie inside one live
// region mapped through the addon, which is then held (see PinRegion) until
// vfioIommuUnmapDma of its IOVA range.
Napi::Value IommuMapDma(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  uint64_t vaddr, iova, size, flags;
  if (!ArgFd(info, 0, "ioctl", &fd) || !ArgUint(info, 1, "vfioIommuMapDma vaddr", kMaxSafeInteger, &vaddr) ||
      !ArgUint(info, 2, "vfioIommuMapDma iova", kMaxSafeInteger, &iova) ||
      !ArgUint(info, 3, "vfioIommuMapDma size", kMaxSafeInteger, &size) ||
      !ArgUint(info, 4, "vfioIommuMapDma flags", UINT32_MAX, &flags)) {
    return Napi::Value();
  }
  std::string what = On("VFIO_IOMMU_MAP_DMA", fd) + " (vaddr " + Hex(vaddr) + ", iova " + Hex(iova) + ", " +
                     std::to_string(size) + " bytes)";
  uint64_t region;
  bool unmapped;
  if (size == 0 || !PinRegion(vaddr, size, &region, &unmapped)) {
    ThrowNic(env, "NIC_EINVAL",
             what + (size == 0 ? ": the size must be at least 1"
                     : unmapped ? ": the range lies in a region that was unmapped"
                                : ": the range is not inside one region mapped by this process through nic"));
    return Napi::Value();
  }
  vfio_iommu_type1_dma_map map = {};
  map.argsz = sizeof(map);
  map.flags = static_cast<uint32_t>(flags);
  map.vaddr = vaddr;
  map.iova = iova;
  map.size = size;
  if (ioctl(fd, VFIO_IOMMU_MAP_DMA, &map) < 0) {
    int err = errno;
    UnpinRegion(region);
    ThrowErrno(env, err, "ioctl", what);
    return Napi::Value();
  }
  uint64_t stale = 0;
  bool hadStale = false;
  {
    std::lock_guard<std::mutex> lock(dmaMutex);
    // An entry at the same key is left from an earlier container with the same fd number.
    auto it = dmaPins.find({fd, iova});
    if (it != dmaPins.end()) {
      stale = it->second.region;
      hadStale = true;
    }
    dmaPins[{fd, iova}] = DmaPin{size, region};
  }
  if (hadStale) UnpinRegion(stale);
  return env.Undefined();
}

// vfioIommuUnmapDma(container, iova, size) -> bytes unmapped
Napi::Value IommuUnmapDma(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  uint64_t iova, size;
  if (!ArgFd(info, 0, "ioctl", &fd) || !ArgUint(info, 1, "vfioIommuUnmapDma iova", kMaxSafeInteger, &iova) ||
      !ArgUint(info, 2, "vfioIommuUnmapDma size", kMaxSafeInteger, &size)) {
    return Napi::Value();
  }
  vfio_iommu_type1_dma_unmap unmap = {};
  unmap.argsz = sizeof(unmap);
  unmap.iova = iova;
  unmap.size = size;
  if (ioctl(fd, VFIO_IOMMU_UNMAP_DMA, &unmap) < 0) {
    int err = errno;
    ThrowErrno(env, err, "ioctl",
               On("VFIO_IOMMU_UNMAP_DMA", fd) + " (iova " + Hex(iova) + ", " + std::to_string(size) + " bytes)");
    return Napi::Value();
  }
  // The kernel unmaps whole mappings only: release those that lie inside the range.
  std::vector<uint64_t> released;
  {
    std::lock_guard<std::mutex> lock(dmaMutex);
    for (auto it = dmaPins.lower_bound({fd, iova}); it != dmaPins.end() && it->first.first == fd;) {
      uint64_t start = it->first.second;
      if (start - iova >= size || it->second.size > size - (start - iova)) break;
      released.push_back(it->second.region);
      it = dmaPins.erase(it);
    }
  }
  for (uint64_t region : released) UnpinRegion(region);
  return Num(env, unmap.size);
}

Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
#define NIC_VFIO_CONSTANT(name) c.Set(#name, Num(env, static_cast<uint64_t>(name)))
  NIC_VFIO_CONSTANT(VFIO_API_VERSION);
  NIC_VFIO_CONSTANT(VFIO_TYPE1_IOMMU);
  NIC_VFIO_CONSTANT(VFIO_TYPE1v2_IOMMU);
  NIC_VFIO_CONSTANT(VFIO_NOIOMMU_IOMMU);
  NIC_VFIO_CONSTANT(VFIO_GROUP_FLAGS_VIABLE);
  NIC_VFIO_CONSTANT(VFIO_GROUP_FLAGS_CONTAINER_SET);
  NIC_VFIO_CONSTANT(VFIO_DEVICE_FLAGS_RESET);
  NIC_VFIO_CONSTANT(VFIO_DEVICE_FLAGS_PCI);
  NIC_VFIO_CONSTANT(VFIO_REGION_INFO_FLAG_READ);
  NIC_VFIO_CONSTANT(VFIO_REGION_INFO_FLAG_WRITE);
  NIC_VFIO_CONSTANT(VFIO_REGION_INFO_FLAG_MMAP);
  NIC_VFIO_CONSTANT(VFIO_REGION_INFO_FLAG_CAPS);
  NIC_VFIO_CONSTANT(VFIO_REGION_INFO_CAP_SPARSE_MMAP);
  NIC_VFIO_CONSTANT(VFIO_REGION_INFO_CAP_TYPE);
  NIC_VFIO_CONSTANT(VFIO_REGION_INFO_CAP_MSIX_MAPPABLE);
  NIC_VFIO_CONSTANT(VFIO_IRQ_INFO_EVENTFD);
  NIC_VFIO_CONSTANT(VFIO_IRQ_INFO_MASKABLE);
  NIC_VFIO_CONSTANT(VFIO_IRQ_INFO_AUTOMASKED);
  NIC_VFIO_CONSTANT(VFIO_IRQ_INFO_NORESIZE);
  NIC_VFIO_CONSTANT(VFIO_IRQ_SET_DATA_NONE);
  NIC_VFIO_CONSTANT(VFIO_IRQ_SET_DATA_BOOL);
  NIC_VFIO_CONSTANT(VFIO_IRQ_SET_DATA_EVENTFD);
  NIC_VFIO_CONSTANT(VFIO_IRQ_SET_ACTION_MASK);
  NIC_VFIO_CONSTANT(VFIO_IRQ_SET_ACTION_UNMASK);
  NIC_VFIO_CONSTANT(VFIO_IRQ_SET_ACTION_TRIGGER);
  NIC_VFIO_CONSTANT(VFIO_DMA_MAP_FLAG_READ);
  NIC_VFIO_CONSTANT(VFIO_DMA_MAP_FLAG_WRITE);
  NIC_VFIO_CONSTANT(VFIO_PCI_BAR0_REGION_INDEX);
  NIC_VFIO_CONSTANT(VFIO_PCI_BAR1_REGION_INDEX);
  NIC_VFIO_CONSTANT(VFIO_PCI_BAR2_REGION_INDEX);
  NIC_VFIO_CONSTANT(VFIO_PCI_BAR3_REGION_INDEX);
  NIC_VFIO_CONSTANT(VFIO_PCI_BAR4_REGION_INDEX);
  NIC_VFIO_CONSTANT(VFIO_PCI_BAR5_REGION_INDEX);
  NIC_VFIO_CONSTANT(VFIO_PCI_ROM_REGION_INDEX);
  NIC_VFIO_CONSTANT(VFIO_PCI_CONFIG_REGION_INDEX);
  NIC_VFIO_CONSTANT(VFIO_PCI_VGA_REGION_INDEX);
  NIC_VFIO_CONSTANT(VFIO_PCI_NUM_REGIONS);
  NIC_VFIO_CONSTANT(VFIO_PCI_INTX_IRQ_INDEX);
  NIC_VFIO_CONSTANT(VFIO_PCI_MSI_IRQ_INDEX);
  NIC_VFIO_CONSTANT(VFIO_PCI_MSIX_IRQ_INDEX);
  NIC_VFIO_CONSTANT(VFIO_PCI_ERR_IRQ_INDEX);
  NIC_VFIO_CONSTANT(VFIO_PCI_REQ_IRQ_INDEX);
  NIC_VFIO_CONSTANT(VFIO_PCI_NUM_IRQS);
#undef NIC_VFIO_CONSTANT
  c.Freeze();
  return c;
}

}  // namespace

void ReleaseDmaPins(int container) {
  std::vector<uint64_t> released;
  {
    std::lock_guard<std::mutex> lock(dmaMutex);
    for (auto it = dmaPins.lower_bound({container, 0}); it != dmaPins.end() && it->first.first == container;) {
      released.push_back(it->second.region);
      it = dmaPins.erase(it);
    }
  }
  for (uint64_t region : released) UnpinRegion(region);
}

void InitVfio(Napi::Env env, Napi::Object exports) {
  exports.Set("vfioOpen", Napi::Function::New(env, VfioOpen, "vfioOpen"));
  exports.Set("vfioGetApiVersion", Napi::Function::New(env, GetApiVersion, "vfioGetApiVersion"));
  exports.Set("vfioCheckExtension", Napi::Function::New(env, CheckExtension, "vfioCheckExtension"));
  exports.Set("vfioSetIommu", Napi::Function::New(env, SetIommu, "vfioSetIommu"));
  exports.Set("vfioGroupGetStatus", Napi::Function::New(env, GroupGetStatus, "vfioGroupGetStatus"));
  exports.Set("vfioGroupSetContainer", Napi::Function::New(env, GroupSetContainer, "vfioGroupSetContainer"));
  exports.Set("vfioGroupUnsetContainer", Napi::Function::New(env, GroupUnsetContainer, "vfioGroupUnsetContainer"));
  exports.Set("vfioGroupGetDeviceFd", Napi::Function::New(env, GroupGetDeviceFd, "vfioGroupGetDeviceFd"));
  exports.Set("vfioDeviceGetInfo", Napi::Function::New(env, DeviceGetInfo, "vfioDeviceGetInfo"));
  exports.Set("vfioDeviceGetRegionInfo", Napi::Function::New(env, DeviceGetRegionInfo, "vfioDeviceGetRegionInfo"));
  exports.Set("vfioDeviceGetIrqInfo", Napi::Function::New(env, DeviceGetIrqInfo, "vfioDeviceGetIrqInfo"));
  exports.Set("vfioDeviceSetIrqs", Napi::Function::New(env, DeviceSetIrqs, "vfioDeviceSetIrqs"));
  exports.Set("vfioDeviceReset", Napi::Function::New(env, DeviceReset, "vfioDeviceReset"));
  exports.Set("vfioIommuMapDma", Napi::Function::New(env, IommuMapDma, "vfioIommuMapDma"));
  exports.Set("vfioIommuUnmapDma", Napi::Function::New(env, IommuUnmapDma, "vfioIommuUnmapDma"));
  exports.Set("vfioConstants", Constants(env));
}

}  // namespace nic
