// Network interfaces by name: index, MTU, MAC address, flags and link speed, and the settings
// a kernel-interface driver changes (up/down, MTU, MAC). Everything goes through ioctls on a
// short-lived AF_INET datagram socket, in the network namespace of the calling thread.
#pragma once

#include <napi.h>
#include <net/if.h>

#include <string>

namespace nic {

// An interface name: 1 to IFNAMSIZ - 1 bytes without NUL or '/'. Returns false after throwing.
bool ArgIfname(const Napi::CallbackInfo& info, size_t i, std::string* out);

// The index of interface `name`, or 0 after throwing NIC_ENODEV (unknown interface).
// `what` says what was being done ("opening an AF_PACKET socket on veth0").
unsigned int IfIndex(Napi::Env env, const std::string& name, const std::string& what);

// Runs ioctl `request` on `ifr` (whose name must be set) through a datagram socket. Returns
// false after throwing a NicError naming `syscall` and `what`.
bool IfIoctl(Napi::Env env, unsigned long request, ifreq* ifr, const char* syscall, const std::string& what);

void InitNetif(Napi::Env env, Napi::Object exports);

}  // namespace nic
