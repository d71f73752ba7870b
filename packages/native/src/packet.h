// AF_PACKET sockets with PACKET_MMAP rings (TPACKET_V3 for both directions): opening one bound
// to an interface with its rx and tx rings mapped as one region of the registry, fanout,
// qdisc bypass, membership-based receive modes, the tx kick and the socket statistics.
#pragma once

#include <napi.h>

namespace nic {

void InitPacket(Napi::Env env, Napi::Object exports);

}  // namespace nic
