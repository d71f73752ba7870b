// VFIO ioctls: containers, groups, devices, regions, interrupts and IOMMU mappings.
#pragma once

#include <napi.h>

namespace nic {

void InitVfio(Napi::Env env, Napi::Object exports);

}  // namespace nic
