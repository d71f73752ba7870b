// VFIO ioctls: containers, groups, devices, regions, interrupts and IOMMU mappings.
#pragma once

#include <napi.h>

namespace nic {

// Lets go of the memory held for the IOVA mappings of `container`, which is being closed.
void ReleaseDmaPins(int container);

void InitVfio(Napi::Env env, Napi::Object exports);

}  // namespace nic
