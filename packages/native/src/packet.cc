// Both rings use TPACKET_V3, since one socket carries both and the version is per socket. The
// rx ring is made of blocks the kernel fills with variable-size packets and hands over whole
// (TP_STATUS_USER in the block descriptor); the tx ring is a plain array of fixed-size frames,
// each holding a struct tpacket3_hdr and the frame data (V3 transmit needs Linux 4.11).
#include "packet.h"

#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "args.h"
#include "errors.h"
#include "memory.h"
#include "netif.h"

namespace nic {

namespace {

// fanoutGroup argument: no fanout.
constexpr int64_t kFanoutNone = -1;
// fanoutGroup argument: a new group whose id the kernel chooses (PACKET_FANOUT_FLAG_UNIQUEID).
constexpr int64_t kFanoutUnique = -2;
// Largest fanout group id (16 bits).
constexpr int64_t kFanoutMaxId = 0xffff;
// Bits of the PACKET_FANOUT argument holding the group id; the mode and flags sit above.
constexpr uint32_t kFanoutIdMask = 0xffff;
constexpr int kFanoutModeShift = 16;
// Where transmit frame data starts: the header, aligned, without the sockaddr_ll that the
// rx layout puts after it (what the kernel's tpacket_parse_header uses without TX_HAS_OFF).
constexpr size_t kTxDataOffset = TPACKET3_HDRLEN - sizeof(sockaddr_ll);

// The geometry of each of the two rings, as given by the caller.
struct Geometry {
  uint64_t blockSize;
  uint64_t blockCount;
  uint64_t frameSize;
  uint64_t frameCount;
  uint64_t retireTimeoutMs;
};

// Checks the rules the kernel applies to PACKET_RX_RING / PACKET_TX_RING (so that a refusal
// names the rule instead of a bare EINVAL), and that a tx frame holds a frame of the
// interface's MTU. Throws NIC_EINVAL and returns false when one is broken.
bool CheckGeometry(Napi::Env env, const Geometry& g, int mtu, const std::string& what) {
  uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  auto fail = [&](const std::string& rule) {
    ThrowNic(env, "NIC_EINVAL", what + ": bad ring geometry: " + rule);
    return false;
  };
  if (g.blockSize == 0 || g.blockSize % page != 0) {
    return fail("block size " + std::to_string(g.blockSize) + " must be a non-zero multiple of the page size " +
                std::to_string(page));
  }
  if (g.blockCount == 0) return fail("block count must be at least 1");
  if (g.frameSize == 0 || g.frameSize % TPACKET_ALIGNMENT != 0) {
    return fail("frame size " + std::to_string(g.frameSize) + " must be a non-zero multiple of TPACKET_ALIGNMENT (" +
                std::to_string(TPACKET_ALIGNMENT) + ")");
  }
  uint64_t needed = kTxDataOffset + static_cast<uint64_t>(mtu) + ETH_HLEN;
  if (g.frameSize < needed) {
    return fail("frame size " + std::to_string(g.frameSize) + " cannot hold a frame of the interface's MTU " +
                std::to_string(mtu) + ": it needs " + std::to_string(kTxDataOffset) + " header bytes + " +
                std::to_string(mtu) + " + " + std::to_string(ETH_HLEN) + " = " + std::to_string(needed));
  }
  if (g.frameSize > g.blockSize) {
    return fail("frame size " + std::to_string(g.frameSize) + " is larger than the block size " +
                std::to_string(g.blockSize));
  }
  uint64_t perBlock = g.blockSize / g.frameSize;
  if (g.frameCount != perBlock * g.blockCount) {
    return fail("frame count " + std::to_string(g.frameCount) + " must be block count " + std::to_string(g.blockCount) +
                " x frames per block " + std::to_string(perBlock) + " = " + std::to_string(perBlock * g.blockCount));
  }
  return true;
}

bool SetIntOption(int fd, int option, int value) {
  return setsockopt(fd, SOL_PACKET, option, &value, sizeof(value)) == 0;
}

bool SetRing(int fd, int option, const Geometry& g, bool rx) {
  tpacket_req3 req = {};
  req.tp_block_size = static_cast<unsigned int>(g.blockSize);
  req.tp_block_nr = static_cast<unsigned int>(g.blockCount);
  req.tp_frame_size = static_cast<unsigned int>(g.frameSize);
  req.tp_frame_nr = static_cast<unsigned int>(g.frameCount);
  // The kernel refuses a block timeout on a V3 tx ring.
  req.tp_retire_blk_tov = rx ? static_cast<unsigned int>(g.retireTimeoutMs) : 0;
  return setsockopt(fd, SOL_PACKET, option, &req, sizeof(req)) == 0;
}

// packetOpen(ifname, blockSize, blockCount, frameSize, frameCount, retireTimeoutMs,
//            fanoutGroup, qdiscBypass, ignoreOutgoing)
//   -> { fd, ifindex, fanoutGroup, region: { id, address, length, buffer } }
Napi::Value PacketOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string ifname;
  Geometry g;
  int64_t fanout;
  bool qdiscBypass, ignoreOutgoing;
  if (!ArgIfname(info, 0, &ifname) || !ArgUint(info, 1, "packetOpen blockSize", UINT_MAX, &g.blockSize) ||
      !ArgUint(info, 2, "packetOpen blockCount", UINT_MAX, &g.blockCount) ||
      !ArgUint(info, 3, "packetOpen frameSize", UINT_MAX, &g.frameSize) ||
      !ArgUint(info, 4, "packetOpen frameCount", UINT_MAX, &g.frameCount) ||
      !ArgUint(info, 5, "packetOpen retireTimeoutMs", UINT_MAX, &g.retireTimeoutMs) ||
      !ArgInt(info, 6, "packetOpen fanoutGroup", kFanoutUnique, kFanoutMaxId, &fanout) ||
      !ArgBool(info, 7, "packetOpen qdiscBypass", &qdiscBypass) ||
      !ArgBool(info, 8, "packetOpen ignoreOutgoing", &ignoreOutgoing)) {
    return Napi::Value();
  }
  std::string what = "AF_PACKET socket on interface " + ifname;
  unsigned int ifindex = IfIndex(env, ifname, what);
  if (ifindex == 0) return Napi::Value();
  ifreq ifr = {};
  memcpy(ifr.ifr_name, ifname.data(), ifname.size());
  if (!IfIoctl(env, SIOCGIFMTU, &ifr, "ioctl(SIOCGIFMTU)", what)) return Napi::Value();
  if (!CheckGeometry(env, g, ifr.ifr_mtu, what)) return Napi::Value();

  // Protocol 0: nothing is queued before bind() names the interface.
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    int err = errno;
    ThrowErrno(env, err, "socket", what);
    return Napi::Value();
  }
  size_t ringBytes = static_cast<size_t>(g.blockSize * g.blockCount);
  size_t length = 2 * ringBytes;
  void* ring = MAP_FAILED;
  // Each failing step records errno first: building `step` may allocate, and malloc may
  // change errno.
  const char* failed = nullptr;
  int err = 0;
  std::string step;
  sockaddr_ll addr = {};
  addr.sll_family = AF_PACKET;
  addr.sll_protocol = htons(ETH_P_ALL);
  addr.sll_ifindex = static_cast<int>(ifindex);
  if (!SetIntOption(fd, PACKET_VERSION, TPACKET_V3)) {
    err = errno;
    failed = "setsockopt(PACKET_VERSION)";
    step = "selecting TPACKET_V3";
  } else if (!SetIntOption(fd, PACKET_LOSS, 1)) {
    // A malformed tx frame is dropped and its slot freed, instead of stopping the ring.
    err = errno;
    failed = "setsockopt(PACKET_LOSS)";
    step = "discarding malformed tx frames";
  } else if (qdiscBypass && !SetIntOption(fd, PACKET_QDISC_BYPASS, 1)) {
    err = errno;
    failed = "setsockopt(PACKET_QDISC_BYPASS)";
    step = "bypassing the qdisc";
  } else if (ignoreOutgoing && !SetIntOption(fd, PACKET_IGNORE_OUTGOING, 1)) {
    err = errno;
    failed = "setsockopt(PACKET_IGNORE_OUTGOING)";
    step = "ignoring outgoing packets";
  } else if (!SetRing(fd, PACKET_RX_RING, g, true)) {
    err = errno;
    failed = "setsockopt(PACKET_RX_RING)";
    step = "setting up the rx ring";
  } else if (!SetRing(fd, PACKET_TX_RING, g, false)) {
    err = errno;
    failed = "setsockopt(PACKET_TX_RING)";
    step = "setting up the TPACKET_V3 tx ring (Linux 4.11 or later)";
  } else if ((ring = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) == MAP_FAILED) {
    err = errno;
    failed = "mmap";
    step = "mapping the rings (" + std::to_string(length) + " bytes)";
  } else if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    err = errno;
    failed = "bind";
    step = "binding";
  }
  uint32_t group = 0;
  if (failed == nullptr && fanout != kFanoutNone) {
    uint32_t flags = PACKET_FANOUT_HASH | (fanout == kFanoutUnique ? PACKET_FANOUT_FLAG_UNIQUEID : 0);
    uint32_t id = fanout == kFanoutUnique ? 0 : static_cast<uint32_t>(fanout);
    int arg = static_cast<int>(id | (flags << kFanoutModeShift));
    int current = 0;
    socklen_t len = sizeof(current);
    if (setsockopt(fd, SOL_PACKET, PACKET_FANOUT, &arg, sizeof(arg)) != 0) {
      err = errno;
      failed = "setsockopt(PACKET_FANOUT)";
      step = "joining hash fanout group " + (fanout == kFanoutUnique ? std::string("(new)") : std::to_string(fanout));
    } else if (getsockopt(fd, SOL_PACKET, PACKET_FANOUT, &current, &len) != 0) {
      err = errno;
      failed = "getsockopt(PACKET_FANOUT)";
      step = "reading the fanout group";
    } else {
      group = static_cast<uint32_t>(current) & kFanoutIdMask;
    }
  }
  if (failed != nullptr) {
    if (ring != MAP_FAILED) munmap(ring, length);
    close(fd);
    ThrowErrno(env, err, failed, what + ": " + step);
    return Napi::Value();
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("fd", Napi::Number::New(env, fd));
  result.Set("ifindex", Napi::Number::New(env, ifindex));
  result.Set("fanoutGroup", Napi::Number::New(env, fanout == kFanoutNone ? -1 : static_cast<double>(group)));
  result.Set("region", NewRegion(env, ring, length));
  return result;
}

// packetTxKick(fd) -> bytes handed to the device, or -errno (EAGAIN, ENOBUFS, ENETDOWN...):
// frames still marked TP_STATUS_SEND_REQUEST go with the next kick. Never throws for a
// kernel refusal, since it runs once per transmit burst.
//
// When the interface goes down, the kernel also leaves ENETDOWN pending on the socket, and
// the next send reports it instead of sending, even once the interface is back up. A kick
// that fails with ENETDOWN is therefore tried once more: if the interface is really down,
// the second attempt says so again.
Napi::Value PacketTxKick(const Napi::CallbackInfo& info) {
  int fd;
  if (!ArgFd(info, 0, "sendto", &fd)) return Napi::Value();
  ssize_t sent = -1;
  for (int attempt = 0; attempt < 2; attempt++) {
    do {
      sent = sendto(fd, nullptr, 0, MSG_DONTWAIT, nullptr, 0);
    } while (sent < 0 && errno == EINTR);
    if (sent >= 0 || errno != ENETDOWN) break;
  }
  return Napi::Number::New(info.Env(), sent < 0 ? -errno : static_cast<double>(sent));
}

// packetStatistics(fd) -> { packets, drops, freezeCount } since the previous call.
Napi::Value PacketStatistics(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  if (!ArgFd(info, 0, "getsockopt(PACKET_STATISTICS)", &fd)) return Napi::Value();
  tpacket_stats_v3 stats = {};
  socklen_t len = sizeof(stats);
  if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &stats, &len) != 0) {
    int err = errno;
    ThrowErrno(env, err, "getsockopt(PACKET_STATISTICS)", "AF_PACKET socket fd " + std::to_string(fd));
    return Napi::Value();
  }
  Napi::Object result = Napi::Object::New(env);
  result.Set("packets", Napi::Number::New(env, stats.tp_packets));
  result.Set("drops", Napi::Number::New(env, stats.tp_drops));
  result.Set("freezeCount", Napi::Number::New(env, stats.tp_freeze_q_cnt));
  return result;
}

// packetMembership(fd, ifindex, type, add): type "promisc" or "allmulti".
Napi::Value PacketMembership(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd;
  uint64_t ifindex;
  std::string type;
  bool add;
  if (!ArgFd(info, 0, "setsockopt(PACKET_ADD_MEMBERSHIP)", &fd) ||
      !ArgUint(info, 1, "packetMembership ifindex", INT_MAX, &ifindex) ||
      !ArgString(info, 2, "packetMembership type", &type) || !ArgBool(info, 3, "packetMembership add", &add)) {
    return Napi::Value();
  }
  packet_mreq mreq = {};
  mreq.mr_ifindex = static_cast<int>(ifindex);
  if (type == "promisc") {
    mreq.mr_type = PACKET_MR_PROMISC;
  } else if (type == "allmulti") {
    mreq.mr_type = PACKET_MR_ALLMULTI;
  } else {
    ThrowNic(env, "NIC_EINVAL", "packetMembership type must be 'promisc' or 'allmulti', got '" + type + "'");
    return Napi::Value();
  }
  int option = add ? PACKET_ADD_MEMBERSHIP : PACKET_DROP_MEMBERSHIP;
  if (setsockopt(fd, SOL_PACKET, option, &mreq, sizeof(mreq)) != 0) {
    int err = errno;
    ThrowErrno(env, err, add ? "setsockopt(PACKET_ADD_MEMBERSHIP)" : "setsockopt(PACKET_DROP_MEMBERSHIP)",
               std::string(add ? "adding " : "dropping ") + type + " membership of interface " +
                   std::to_string(ifindex) + " on fd " + std::to_string(fd));
    return Napi::Value();
  }
  return env.Undefined();
}

// Struct offsets, sizes and status bits of <linux/if_packet.h>, for the TypeScript constants'
// test against the headers this addon was built with.
Napi::Object Layout(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  auto set = [&](const char* name, size_t value) { o.Set(name, Napi::Number::New(env, static_cast<double>(value))); };
  set("TPACKET_ALIGNMENT", TPACKET_ALIGNMENT);
  set("TPACKET2_HDRLEN", TPACKET2_HDRLEN);
  set("TPACKET3_HDRLEN", TPACKET3_HDRLEN);
  set("SOCKADDR_LL_SIZE", sizeof(sockaddr_ll));
  set("TPACKET3_TX_DATA_OFFSET", kTxDataOffset);
  set("BD_VERSION", offsetof(tpacket_block_desc, version));
  set("BD_OFFSET_TO_PRIV", offsetof(tpacket_block_desc, offset_to_priv));
  size_t h1 = offsetof(tpacket_block_desc, hdr);
  set("BD_BLOCK_STATUS", h1 + offsetof(tpacket_hdr_v1, block_status));
  set("BD_NUM_PKTS", h1 + offsetof(tpacket_hdr_v1, num_pkts));
  set("BD_OFFSET_TO_FIRST_PKT", h1 + offsetof(tpacket_hdr_v1, offset_to_first_pkt));
  set("BD_BLK_LEN", h1 + offsetof(tpacket_hdr_v1, blk_len));
  set("BD_SEQ_NUM", h1 + offsetof(tpacket_hdr_v1, seq_num));
  set("BD_TS_FIRST_PKT", h1 + offsetof(tpacket_hdr_v1, ts_first_pkt));
  set("BD_TS_LAST_PKT", h1 + offsetof(tpacket_hdr_v1, ts_last_pkt));
  set("BD_SIZE", sizeof(tpacket_block_desc));
  set("TP3_NEXT_OFFSET", offsetof(tpacket3_hdr, tp_next_offset));
  set("TP3_SEC", offsetof(tpacket3_hdr, tp_sec));
  set("TP3_NSEC", offsetof(tpacket3_hdr, tp_nsec));
  set("TP3_SNAPLEN", offsetof(tpacket3_hdr, tp_snaplen));
  set("TP3_LEN", offsetof(tpacket3_hdr, tp_len));
  set("TP3_STATUS", offsetof(tpacket3_hdr, tp_status));
  set("TP3_MAC", offsetof(tpacket3_hdr, tp_mac));
  set("TP3_NET", offsetof(tpacket3_hdr, tp_net));
  set("TP3_RXHASH", offsetof(tpacket3_hdr, hv1) + offsetof(tpacket_hdr_variant1, tp_rxhash));
  set("TP3_VLAN_TCI", offsetof(tpacket3_hdr, hv1) + offsetof(tpacket_hdr_variant1, tp_vlan_tci));
  set("TP3_VLAN_TPID", offsetof(tpacket3_hdr, hv1) + offsetof(tpacket_hdr_variant1, tp_vlan_tpid));
  set("TP3_SIZE", sizeof(tpacket3_hdr));
  set("TP2_STATUS", offsetof(tpacket2_hdr, tp_status));
  set("TP2_LEN", offsetof(tpacket2_hdr, tp_len));
  set("TP2_SNAPLEN", offsetof(tpacket2_hdr, tp_snaplen));
  set("TP2_MAC", offsetof(tpacket2_hdr, tp_mac));
  set("TP2_NET", offsetof(tpacket2_hdr, tp_net));
  set("TP2_SEC", offsetof(tpacket2_hdr, tp_sec));
  set("TP2_NSEC", offsetof(tpacket2_hdr, tp_nsec));
  set("TP2_VLAN_TCI", offsetof(tpacket2_hdr, tp_vlan_tci));
  set("TP2_VLAN_TPID", offsetof(tpacket2_hdr, tp_vlan_tpid));
  set("TP2_SIZE", sizeof(tpacket2_hdr));
  set("SLL_PROTOCOL", offsetof(sockaddr_ll, sll_protocol));
  set("SLL_IFINDEX", offsetof(sockaddr_ll, sll_ifindex));
  set("SLL_PKTTYPE", offsetof(sockaddr_ll, sll_pkttype));
  set("TP_STATUS_KERNEL", TP_STATUS_KERNEL);
  set("TP_STATUS_USER", TP_STATUS_USER);
  set("TP_STATUS_COPY", TP_STATUS_COPY);
  set("TP_STATUS_LOSING", TP_STATUS_LOSING);
  set("TP_STATUS_CSUMNOTREADY", TP_STATUS_CSUMNOTREADY);
  set("TP_STATUS_VLAN_VALID", TP_STATUS_VLAN_VALID);
  set("TP_STATUS_BLK_TMO", TP_STATUS_BLK_TMO);
  set("TP_STATUS_VLAN_TPID_VALID", TP_STATUS_VLAN_TPID_VALID);
  set("TP_STATUS_CSUM_VALID", TP_STATUS_CSUM_VALID);
  set("TP_STATUS_AVAILABLE", TP_STATUS_AVAILABLE);
  set("TP_STATUS_SEND_REQUEST", TP_STATUS_SEND_REQUEST);
  set("TP_STATUS_SENDING", TP_STATUS_SENDING);
  set("TP_STATUS_WRONG_FORMAT", TP_STATUS_WRONG_FORMAT);
  set("PACKET_HOST", PACKET_HOST);
  set("PACKET_BROADCAST", PACKET_BROADCAST);
  set("PACKET_MULTICAST", PACKET_MULTICAST);
  set("PACKET_OTHERHOST", PACKET_OTHERHOST);
  set("PACKET_OUTGOING", PACKET_OUTGOING);
  return o;
}

}  // namespace

void InitPacket(Napi::Env env, Napi::Object exports) {
  exports.Set("packetLayout", Layout(env));
  exports.Set("packetOpen", Napi::Function::New(env, PacketOpen, "packetOpen"));
  exports.Set("packetTxKick", Napi::Function::New(env, PacketTxKick, "packetTxKick"));
  exports.Set("packetStatistics", Napi::Function::New(env, PacketStatistics, "packetStatistics"));
  exports.Set("packetMembership", Napi::Function::New(env, PacketMembership, "packetMembership"));
}

}  // namespace nic
