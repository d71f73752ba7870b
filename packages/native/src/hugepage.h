// Hugepage allocation (hugetlbfs file or memfd with MFD_HUGETLB).
#pragma once

#include <napi.h>

namespace nic {

void InitHugepage(Napi::Env env, Napi::Object exports);

}  // namespace nic
