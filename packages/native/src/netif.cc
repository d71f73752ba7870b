#include "netif.h"

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if_arp.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include "args.h"
#include "errors.h"

namespace nic {

namespace {

// Bytes of an Ethernet MAC address.
constexpr size_t kMacLength = 6;
// Room for the link-mode bitmaps ETHTOOL_GLINKSETTINGS appends (three maps of at most
// SCHAR_MAX words, as the uapi header describes the handshake).
constexpr size_t kLinkModeWords = 3 * SCHAR_MAX;
// duplex value reported when the kernel does not know it.
constexpr int kDuplexUnknown = DUPLEX_UNKNOWN;

void SetName(ifreq* ifr, const std::string& name) {
  memset(ifr, 0, sizeof(*ifr));
  memcpy(ifr->ifr_name, name.data(), name.size());
}

// Link speed (Mbps, 0 when unknown), duplex and autonegotiation from ETHTOOL_GLINKSETTINGS.
// Interfaces without ethtool link settings (lo) report 0 / unknown; that is not an error.
void LinkSettings(int sock, const std::string& name, uint32_t* speed, int* duplex, bool* autoneg) {
  *speed = 0;
  *duplex = kDuplexUnknown;
  *autoneg = false;
  // ethtool_link_settings ends in a flexible array: give it room for the bitmaps.
  alignas(ethtool_link_settings) uint8_t buffer[sizeof(ethtool_link_settings) + kLinkModeWords * sizeof(uint32_t)];
  memset(buffer, 0, sizeof(buffer));
  auto* settings = reinterpret_cast<ethtool_link_settings*>(buffer);
  settings->cmd = ETHTOOL_GLINKSETTINGS;
  ifreq ifr;
  SetName(&ifr, name);
  ifr.ifr_data = reinterpret_cast<char*>(settings);
  // First call: the kernel answers with the negated number of bitmap words it uses.
  if (ioctl(sock, SIOCETHTOOL, &ifr) != 0 || settings->link_mode_masks_nwords >= 0) return;
  settings->link_mode_masks_nwords = static_cast<int8_t>(-settings->link_mode_masks_nwords);
  settings->cmd = ETHTOOL_GLINKSETTINGS;
  if (ioctl(sock, SIOCETHTOOL, &ifr) != 0) return;
  if (settings->speed != static_cast<uint32_t>(SPEED_UNKNOWN)) *speed = settings->speed;
  *duplex = settings->duplex;
  *autoneg = settings->autoneg == AUTONEG_ENABLE;
}

// netifIndex(name) -> ifindex
Napi::Value NetifIndex(const Napi::CallbackInfo& info) {
  std::string name;
  if (!ArgIfname(info, 0, &name)) return Napi::Value();
  unsigned int index = IfIndex(info.Env(), name, "looking up interface " + name);
  if (index == 0) return Napi::Value();
  return Napi::Number::New(info.Env(), index);
}

// netifInfo(name) -> { ifindex, mtu, mac, flags, speed, duplex, autoneg }
Napi::Value NetifInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  if (!ArgIfname(info, 0, &name)) return Napi::Value();
  std::string what = "querying interface " + name;
  unsigned int index = IfIndex(env, name, what);
  if (index == 0) return Napi::Value();
  ifreq ifr;
  SetName(&ifr, name);
  if (!IfIoctl(env, SIOCGIFMTU, &ifr, "ioctl(SIOCGIFMTU)", what)) return Napi::Value();
  int mtu = ifr.ifr_mtu;
  SetName(&ifr, name);
  if (!IfIoctl(env, SIOCGIFFLAGS, &ifr, "ioctl(SIOCGIFFLAGS)", what)) return Napi::Value();
  unsigned int flags = static_cast<unsigned short>(ifr.ifr_flags);
  SetName(&ifr, name);
  if (!IfIoctl(env, SIOCGIFHWADDR, &ifr, "ioctl(SIOCGIFHWADDR)", what)) return Napi::Value();
  Napi::Uint8Array mac = Napi::Uint8Array::New(env, kMacLength);
  memcpy(mac.Data(), ifr.ifr_hwaddr.sa_data, kMacLength);
  bool ether = ifr.ifr_hwaddr.sa_family == ARPHRD_ETHER;

  uint32_t speed = 0;
  int duplex = kDuplexUnknown;
  bool autoneg = false;
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock >= 0) {
    LinkSettings(sock, name, &speed, &duplex, &autoneg);
    close(sock);
  }

  Napi::Object result = Napi::Object::New(env);
  result.Set("ifindex", Napi::Number::New(env, index));
  result.Set("mtu", Napi::Number::New(env, mtu));
  result.Set("mac", mac);
  result.Set("ether", Napi::Boolean::New(env, ether));
  result.Set("flags", Napi::Number::New(env, flags));
  result.Set("speed", Napi::Number::New(env, speed));
  result.Set("duplex", Napi::Number::New(env, duplex));
  result.Set("autoneg", Napi::Boolean::New(env, autoneg));
  return result;
}

// netifSetUp(name, up): sets or clears IFF_UP.
Napi::Value NetifSetUp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  bool up;
  if (!ArgIfname(info, 0, &name) || !ArgBool(info, 1, "netifSetUp up", &up)) return Napi::Value();
  std::string what = std::string("bringing interface ") + name + (up ? " up" : " down");
  if (IfIndex(env, name, what) == 0) return Napi::Value();
  ifreq ifr;
  SetName(&ifr, name);
  if (!IfIoctl(env, SIOCGIFFLAGS, &ifr, "ioctl(SIOCGIFFLAGS)", what)) return Napi::Value();
  if (up) {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags | IFF_UP);
  } else {
    ifr.ifr_flags = static_cast<short>(ifr.ifr_flags & ~IFF_UP);
  }
  if (!IfIoctl(env, SIOCSIFFLAGS, &ifr, "ioctl(SIOCSIFFLAGS)", what)) return Napi::Value();
  return env.Undefined();
}

// netifSetMtu(name, mtu)
Napi::Value NetifSetMtu(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  int64_t mtu;
  if (!ArgIfname(info, 0, &name) || !ArgInt(info, 1, "netifSetMtu mtu", 1, INT_MAX, &mtu)) return Napi::Value();
  std::string what = "setting the MTU of interface " + name + " to " + std::to_string(mtu);
  if (IfIndex(env, name, what) == 0) return Napi::Value();
  ifreq ifr;
  SetName(&ifr, name);
  ifr.ifr_mtu = static_cast<int>(mtu);
  if (!IfIoctl(env, SIOCSIFMTU, &ifr, "ioctl(SIOCSIFMTU)", what)) return Napi::Value();
  return env.Undefined();
}

// netifSetMac(name, mac: Uint8Array(6))
Napi::Value NetifSetMac(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name;
  uint8_t* mac;
  size_t length;
  if (!ArgIfname(info, 0, &name) || !ArgBytes(info, 1, "netifSetMac mac", &mac, &length)) return Napi::Value();
  if (length != kMacLength) {
    ThrowNic(env, "NIC_EINVAL", "netifSetMac: a MAC address is 6 bytes, got " + std::to_string(length));
    return Napi::Value();
  }
  std::string what = "setting the MAC address of interface " + name;
  if (IfIndex(env, name, what) == 0) return Napi::Value();
  ifreq ifr;
  SetName(&ifr, name);
  ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
  memcpy(ifr.ifr_hwaddr.sa_data, mac, kMacLength);
  if (!IfIoctl(env, SIOCSIFHWADDR, &ifr, "ioctl(SIOCSIFHWADDR)", what)) return Napi::Value();
  return env.Undefined();
}

// The <net/if.h> flag bits the TypeScript names, for its test against the headers.
Napi::Object Constants(Napi::Env env) {
  Napi::Object constants = Napi::Object::New(env);
  constants.Set("IFF_UP", Napi::Number::New(env, IFF_UP));
  constants.Set("IFF_BROADCAST", Napi::Number::New(env, IFF_BROADCAST));
  constants.Set("IFF_LOOPBACK", Napi::Number::New(env, IFF_LOOPBACK));
  constants.Set("IFF_RUNNING", Napi::Number::New(env, IFF_RUNNING));
  constants.Set("IFF_PROMISC", Napi::Number::New(env, IFF_PROMISC));
  constants.Set("IFF_ALLMULTI", Napi::Number::New(env, IFF_ALLMULTI));
  constants.Set("IFF_MULTICAST", Napi::Number::New(env, IFF_MULTICAST));
  constants.Set("DUPLEX_HALF", Napi::Number::New(env, DUPLEX_HALF));
  constants.Set("DUPLEX_FULL", Napi::Number::New(env, DUPLEX_FULL));
  constants.Set("DUPLEX_UNKNOWN", Napi::Number::New(env, DUPLEX_UNKNOWN));
  constants.Set("IFNAMSIZ", Napi::Number::New(env, IFNAMSIZ));
  return constants;
}

}  // namespace

bool ArgIfname(const Napi::CallbackInfo& info, size_t i, std::string* out) {
  if (!ArgString(info, i, "interface name", out)) return false;
  if (out->empty() || out->size() >= IFNAMSIZ || out->find('\0') != std::string::npos ||
      out->find('/') != std::string::npos) {
    ThrowNic(info.Env(), "NIC_EINVAL",
             "interface name '" + *out + "' must hold 1 to " + std::to_string(IFNAMSIZ - 1) +
                 " bytes, without NUL or '/'");
    return false;
  }
  return true;
}

unsigned int IfIndex(Napi::Env env, const std::string& name, const std::string& what) {
  unsigned int index = if_nametoindex(name.c_str());
  if (index == 0) {
    int err = errno == 0 ? ENODEV : errno;
    ThrowErrno(env, err, "if_nametoindex", what + ": no interface is called '" + name + "'");
  }
  return index;
}

bool IfIoctl(Napi::Env env, unsigned long request, ifreq* ifr, const char* syscall, const std::string& what) {
  int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (sock < 0) {
    int err = errno;
    ThrowErrno(env, err, "socket", what + ": opening a control socket");
    return false;
  }
  int rc = ioctl(sock, request, ifr);
  int err = errno;
  close(sock);
  if (rc != 0) {
    ThrowErrno(env, err, syscall, what);
    return false;
  }
  return true;
}

void InitNetif(Napi::Env env, Napi::Object exports) {
  exports.Set("netifConstants", Constants(env));
  exports.Set("netifIndex", Napi::Function::New(env, NetifIndex, "netifIndex"));
  exports.Set("netifInfo", Napi::Function::New(env, NetifInfo, "netifInfo"));
  exports.Set("netifSetUp", Napi::Function::New(env, NetifSetUp, "netifSetUp"));
  exports.Set("netifSetMtu", Napi::Function::New(env, NetifSetMtu, "netifSetMtu"));
  exports.Set("netifSetMac", Napi::Function::New(env, NetifSetMac, "netifSetMac"));
}

}  // namespace nic
