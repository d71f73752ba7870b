import { ADDR_AVAIL, ADDR_DESC, ADDR_FLAGS, ADDR_INDEX, ADDR_LOG, ADDR_SIZE, ADDR_USED, DEFAULT_QUEUE_PAIRS, FLAG_NEED_REPLY, FLAG_REPLY, FLAG_VERSION, FLAG_VERSION_MASK, Feature, GuestMemory, HEADER_SIZE, LOCK_BURST, LOCK_FREE, LOG_SIZE, MAX_FDS, MAX_MEM_REGIONS, MAX_PAYLOAD, MAX_QUEUE_SIZE, MAX_VRINGS, MEM_HEADER_SIZE, MEM_REGION_SIZE, NET_HDR_SIZE, NET_HDR_SIZE_LEGACY, ProtocolFeature, REGION_F64, REGION_GPA, REGION_MMAP_OFFSET, REGION_SIZE, REGION_UVA, REPLY_FLAGS, R_GPA, R_HOST, R_SIZE, R_UVA, R_WINDOW, Request, STATE_SIZE, SUPPORTED_FEATURES, SUPPORTED_PROTOCOL_FEATURES, S_FLAGS, S_LOG_ADDR_F64, S_LOG_SIZE_F64, S_LOG_WINDOW_F64, S_MEM_GEN, S_REGIONS, S_REGION_F64, S_RUNNING, U64_SIZE, VRING_IDX_MASK, VRING_NOFD_MASK, V_LOCK, VhostSharedState, Virtqueue, bit, windowsOf } from "./chunk-VBAQGHE3.js";

import { registerLogtype } from "@nic/eal";

import { NicError as NicError3, closeFd as closeFd2, mapFd } from "@nic/native";

import { FramedReader, NicError, closeFd, pageSize, unixSendmsg } from "@nic/native";

var BackendRequest = {
    IOTLB_MSG: 1,
    CONFIG_CHANGE_MSG: 2,
    VRING_HOST_NOTIFIER_MSG: 3
}, VRING_AREA_SIZE = 24, ACK_FRAMING = {
    name: "vhost-user backend channel",
    headerSize: 12,
    maxMessage: 12 + U64_SIZE,
    maxFds: 0,
    messageSize(header, fds) {
        let size = header.getUint32(8, !0);
        if (size !== U64_SIZE || fds !== 0) throw new NicError("NIC_EINVAL", `vhost-user backend channel: a reply of ${size} bytes with ${fds} fds (an acknowledgement is 8 bytes)`);
        return 12 + size;
    }
}, BackendChannel = class {
    fd;
    #protocolFeatures;
    #vrings;
    #reader;
    #pending=[];
    #closed=!1;
    error;
    constructor(fd, protocolFeatures, vrings) {
        this.fd = fd, this.#protocolFeatures = protocolFeatures, this.#vrings = vrings, 
        this.#reader = new FramedReader(fd, ACK_FRAMING, {
            message: bytes => this.#ack(bytes),
            end: error => this.close(error ?? new NicError("NIC_EIO", "vhost-user backend channel: the frontend closed it"))
        });
    }
    get closed() {
        return this.#closed;
    }
    get pending() {
        return this.#pending.length;
    }
    configChange() {
        return this.#request(BackendRequest.CONFIG_CHANGE_MSG, new Uint8Array(0), [], "CONFIG_CHANGE_MSG");
    }
    hostNotifier(vring, area) {
        let what = `VRING_HOST_NOTIFIER_MSG for vring ${vring}`, needed = bit(ProtocolFeature.HOST_NOTIFIER) | bit(ProtocolFeature.BACKEND_SEND_FD);
        if ((this.#protocolFeatures() & needed) !== needed) throw new NicError("NIC_ENOTSUP", `vhost-user ${what}: the frontend did not negotiate HOST_NOTIFIER and BACKEND_SEND_FD`);
        if (!Number.isInteger(vring) || vring < 0 || vring >= this.#vrings || vring > VRING_IDX_MASK) throw new NicError("NIC_EINVAL", `vhost-user ${what}: the device has ${this.#vrings} vrings`);
        let payload = new Uint8Array(24), v = new DataView(payload.buffer);
        if (!area) return v.setBigUint64(0, BigInt(vring | VRING_NOFD_MASK), !0), this.#request(BackendRequest.VRING_HOST_NOTIFIER_MSG, payload, [], what);
        let page = pageSize(), {fd: fd, offset: offset, size: size} = area;
        for (let [value, name] of [ [ offset, "offset" ], [ size, "size" ] ]) if (!Number.isSafeInteger(value) || value < 0 || value % page !== 0) throw new NicError("NIC_EINVAL", `vhost-user ${what}: ${name} ${value} is not a multiple of the page size (${page})`);
        if (size === 0) throw new NicError("NIC_EINVAL", `vhost-user ${what}: an empty area`);
        if (!Number.isInteger(fd) || fd < 0) throw new NicError("NIC_EINVAL", `vhost-user ${what}: fd ${fd}`);
        return v.setBigUint64(0, BigInt(vring), !0), v.setBigUint64(8, BigInt(size), !0), 
        v.setBigUint64(16, BigInt(offset), !0), this.#request(BackendRequest.VRING_HOST_NOTIFIER_MSG, payload, [ fd ], what);
    }
    #request(request, payload, fds, what) {
        if (this.#closed) throw new NicError("NIC_EIO", `vhost-user ${what}: the backend channel is closed${this.error ? ` (${this.error.message})` : ""}`);
        let ack = (this.#protocolFeatures() & bit(ProtocolFeature.REPLY_ACK)) !== 0n, message = new Uint8Array(12 + payload.length), v = new DataView(message.buffer);
        v.setUint32(0, request, !0), v.setUint32(4, 1 | (ack ? 8 : 0), !0), v.setUint32(8, payload.length, !0), 
        message.set(payload, 12);
        let sent;
        try {
            sent = unixSendmsg(this.fd, message, fds);
        } catch (cause) {
            let error = new NicError("NIC_EIO", `vhost-user ${what}: the frontend has gone`, {
                cause: cause
            });
            throw this.close(error), error;
        }
        if (sent !== message.length) {
            let error = new NicError("NIC_EIO", `vhost-user ${what}: the channel took ${sent} of ${message.length} bytes (the frontend does not read it)`);
            throw this.close(error), error;
        }
        return ack ? new Promise((resolve, reject) => this.#pending.push({
            request: request,
            what: what,
            resolve: resolve,
            reject: reject
        })) : Promise.resolve();
    }
    #ack(bytes) {
        let v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), request = v.getUint32(0, !0), flags = v.getUint32(4, !0), value = v.getBigUint64(12, !0), pending = this.#pending.shift();
        if (!pending) throw new NicError("NIC_EINVAL", `vhost-user backend channel: a reply to request ${request} that nothing waits for`);
        if (request !== pending.request || (flags & 4) === 0) throw this.#pending.unshift(pending), 
        new NicError("NIC_EINVAL", `vhost-user backend channel: reply to request ${request} (flags 0x${flags.toString(16)}) where ${pending.what} waits`);
        value === 0n ? pending.resolve() : pending.reject(new NicError("NIC_EIO", `vhost-user ${pending.what}: the frontend refused it (${value})`));
    }
    close(error) {
        if (this.#closed) return;
        this.#closed = !0, this.error = error, this.#reader.close(), closeFd(this.fd);
        let reason = error ?? new NicError("NIC_EIO", "vhost-user backend channel: closed (the frontend reset the device or left)");
        for (let p of this.#pending.splice(0)) p.reject(new NicError("NIC_EIO", `vhost-user ${p.what}: ${reason.message}`, {
            cause: reason
        }));
    }
};

import { NicError as NicError2 } from "@nic/native";

var SHAPES = new Map([ [ Request.GET_FEATURES, {
    size: 0,
    fds: 0
} ], [ Request.SET_FEATURES, {
    size: U64_SIZE,
    fds: 0
} ], [ Request.SET_OWNER, {
    size: 0,
    fds: 0
} ], [ Request.RESET_OWNER, {
    size: 0,
    fds: 0
} ], [ Request.SET_MEM_TABLE, {
    size: -1,
    fds: "region"
} ], [ Request.SET_LOG_BASE, {
    size: LOG_SIZE,
    fds: 1
} ], [ Request.SET_LOG_FD, {
    size: 0,
    fds: 1
} ], [ Request.SET_VRING_NUM, {
    size: STATE_SIZE,
    fds: 0
} ], [ Request.SET_VRING_ADDR, {
    size: ADDR_SIZE,
    fds: 0
} ], [ Request.SET_VRING_BASE, {
    size: STATE_SIZE,
    fds: 0
} ], [ Request.GET_VRING_BASE, {
    size: STATE_SIZE,
    fds: 0
} ], [ Request.SET_VRING_KICK, {
    size: U64_SIZE,
    fds: "vring"
} ], [ Request.SET_VRING_CALL, {
    size: U64_SIZE,
    fds: "vring"
} ], [ Request.SET_VRING_ERR, {
    size: U64_SIZE,
    fds: "vring"
} ], [ Request.GET_PROTOCOL_FEATURES, {
    size: 0,
    fds: 0
} ], [ Request.SET_PROTOCOL_FEATURES, {
    size: U64_SIZE,
    fds: 0
} ], [ Request.GET_QUEUE_NUM, {
    size: 0,
    fds: 0
} ], [ Request.SET_VRING_ENABLE, {
    size: STATE_SIZE,
    fds: 0
} ], [ Request.SEND_RARP, {
    size: U64_SIZE,
    fds: 0
} ], [ Request.NET_SET_MTU, {
    size: U64_SIZE,
    fds: 0
} ], [ Request.SET_BACKEND_REQ_FD, {
    size: 0,
    fds: 1
} ], [ Request.GET_MAX_MEM_SLOTS, {
    size: 0,
    fds: 0
} ], [ Request.SET_STATUS, {
    size: U64_SIZE,
    fds: 0
} ], [ Request.GET_STATUS, {
    size: 0,
    fds: 0
} ] ]), VRING_STATE_REQUESTS = new Set([ Request.SET_VRING_NUM, Request.SET_VRING_BASE, Request.GET_VRING_BASE, Request.SET_VRING_ENABLE ]);

function checkHeader(header, fdCount) {
    let {request: request, flags: flags, size: size} = header;
    if (!SHAPES.has(request)) throw new NicError2("NIC_ENOTSUP", `vhost-user: request ${request} is not supported`);
    if ((flags & 3) !== 1) throw new NicError2("NIC_EINVAL", `vhost-user: request ${request} has version ${flags & 3}, not 1`);
    if (size > 264) throw new NicError2("NIC_EINVAL", `vhost-user: request ${request} has a ${size}-byte payload (at most 264)`);
    if (fdCount > 8) throw new NicError2("NIC_EINVAL", `vhost-user: request ${request} came with ${fdCount} fds (at most 8)`);
}

function checkMessage(header, payload, fdCount) {
    checkHeader(header, fdCount);
    let {request: request, size: size} = header, shape = SHAPES.get(request), name = requestName(request);
    if (payload.byteLength !== size) throw new NicError2("NIC_EINVAL", `vhost-user ${name}: ${payload.byteLength} payload bytes where the header says ${size}`);
    if (shape.size >= 0 && size !== shape.size) throw new NicError2("NIC_EINVAL", `vhost-user ${name}: payload of ${size} bytes, expected ${shape.size}`);
    let fds = 0;
    switch (shape.fds) {
      case "region":
        fds = memTableRegionCount(payload);
        break;

      case "vring":
        if (fds = Number(payload.getBigUint64(0, !0) & BigInt(VRING_NOFD_MASK)) ? 0 : 1, 
        Number(payload.getBigUint64(0, !0) >> 9n) !== 0) throw new NicError2("NIC_EINVAL", `vhost-user ${name}: reserved bits set in ${payload.getBigUint64(0, !0)}`);
        break;

      default:
        fds = shape.fds;
    }
    if (fdCount !== fds) throw new NicError2("NIC_EINVAL", `vhost-user ${name}: ${fdCount} fds, expected ${fds}`);
    if (VRING_STATE_REQUESTS.has(request) || request === Request.SET_VRING_ADDR) {
        let index = payload.getUint32(request === Request.SET_VRING_ADDR ? ADDR_INDEX : 0, !0);
        if (index >= MAX_VRINGS) throw new NicError2("NIC_EINVAL", `vhost-user ${name}: vring index ${index} (at most ${MAX_VRINGS - 1})`);
    }
    if (request === Request.SET_VRING_NUM) {
        let num = payload.getUint32(4, !0);
        if (num === 0 || num > MAX_QUEUE_SIZE) throw new NicError2("NIC_EINVAL", `vhost-user ${name}: ring size ${num} is not from 1 to ${MAX_QUEUE_SIZE}`);
    }
    request === Request.SET_MEM_TABLE && memTableRegions(payload);
}

function memTableRegionCount(payload) {
    if (payload.byteLength < MEM_HEADER_SIZE) throw new NicError2("NIC_EINVAL", `vhost-user SET_MEM_TABLE: ${payload.byteLength}-byte payload`);
    let n = payload.getUint32(0, !0);
    if (n === 0 || n > 8) throw new NicError2("NIC_EINVAL", `vhost-user SET_MEM_TABLE: ${n} regions (1 to 8)`);
    if (payload.byteLength !== MEM_HEADER_SIZE + n * MEM_REGION_SIZE) throw new NicError2("NIC_EINVAL", `vhost-user SET_MEM_TABLE: ${payload.byteLength} bytes for ${n} regions`);
    return n;
}

function u53(view, offset, what) {
    let value = view.getBigUint64(offset, !0);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new NicError2("NIC_EINVAL", `vhost-user SET_MEM_TABLE: ${what} 0x${value.toString(16)} is beyond 2^53`);
    return Number(value);
}

function memTableRegions(payload) {
    let n = memTableRegionCount(payload), regions = [];
    for (let i = 0; i < n; i++) {
        let base = MEM_HEADER_SIZE + i * MEM_REGION_SIZE, guestPhysAddr = u53(payload, base + REGION_GPA, `region ${i} guest address`), size = u53(payload, base + REGION_SIZE, `region ${i} size`), userspaceAddr = u53(payload, base + REGION_UVA, `region ${i} userspace address`), mmapOffset = u53(payload, base + REGION_MMAP_OFFSET, `region ${i} mmap offset`);
        if (size === 0) throw new NicError2("NIC_EINVAL", `vhost-user SET_MEM_TABLE: region ${i} is empty`);
        for (let [start, what] of [ [ guestPhysAddr, "guest address" ], [ userspaceAddr, "userspace address" ], [ mmapOffset, "mmap offset" ] ]) if (start + size > Number.MAX_SAFE_INTEGER) throw new NicError2("NIC_EINVAL", `vhost-user SET_MEM_TABLE: region ${i} ${what} + size overflows`);
        regions.push({
            guestPhysAddr: guestPhysAddr,
            size: size,
            userspaceAddr: userspaceAddr,
            mmapOffset: mmapOffset
        });
    }
    return regions;
}

function requestName(request) {
    for (let [name, id] of Object.entries(Request)) if (id === request) return name;
    return `request ${request}`;
}

var STATUS_DRIVER_OK = 4, log = registerLogtype("lib.vhost"), VhostDevice = class {
    config;
    vrings=[];
    features=0n;
    protocolFeatures=0n;
    status=0;
    mtu=0;
    memory;
    log;
    get logAddress() {
        return this.log ? this.#logAddress : void 0;
    }
    #logRelease;
    #logWindow=-1;
    #backend;
    running=!1;
    shared;
    #ops;
    #logAddress=0;
    constructor(config, ops = {}) {
        this.config = config, this.#ops = ops;
        let vrings = config.queuePairs * 2;
        this.shared = config.state ? new VhostSharedState(config.state, vrings) : VhostSharedState.local(vrings);
        for (let i = 0; i < vrings; i++) this.vrings.push(new Virtqueue(i, this.shared));
    }
    #locked(change) {
        this.shared.lockAll();
        try {
            return change();
        } finally {
            this.#publishShared(), this.shared.unlockAll();
        }
    }
    #publishShared() {
        let {h32: h32, h64: h64} = this.shared, mem = this.memory;
        if (mem !== this.#publishedMemory) {
            let regions = mem ? mem.regions.length : 0;
            for (let i = 0; i < regions; i++) {
                let r = mem.regions[i], at = S_REGION_F64 + i * REGION_F64;
                h64[at + R_GPA] = r.guestPhysAddr, h64[at + R_SIZE] = r.size, h64[at + R_UVA] = r.userspaceAddr, 
                h64[at + R_HOST] = mem.hostAddress(i), h64[at + R_WINDOW] = mem.windowAddresses[i] ?? -1;
            }
            h32[S_REGIONS] = regions, h32[S_MEM_GEN]++, this.#publishedMemory = mem;
        }
        h32[S_FLAGS] = Virtqueue.flags(this.#features(), this.has(Feature.F_LOG_ALL) && this.log !== void 0), 
        h32[S_RUNNING] = this.running ? 1 : 0, h64[S_LOG_SIZE_F64] = this.log ? this.log.length : 0, 
        h64[S_LOG_ADDR_F64] = this.log ? this.#logAddress : 0, h64[S_LOG_WINDOW_F64] = this.#logWindow;
    }
    #publishedMemory;
    get backend() {
        return this.#backend?.closed ? void 0 : this.#backend;
    }
    backendChannel() {
        let channel = this.#backend;
        if (!channel) {
            let why = (this.protocolFeatures & bit(ProtocolFeature.BACKEND_REQ)) === 0n ? "did not negotiate BACKEND_REQ" : "gave no channel (SET_BACKEND_REQ_FD)";
            throw new NicError3("NIC_ENOTSUP", `vhost-user: no backend channel: the frontend ${why}`);
        }
        if (channel.closed) throw new NicError3("NIC_EIO", "vhost-user: the frontend closed the backend channel" + (channel.error ? ` (${channel.error.message})` : ""));
        return channel;
    }
    has(n) {
        return (this.features & bit(n)) !== 0n;
    }
    handle(request, payload, fds) {
        try {
            return this.#locked(() => this.#dispatch(request, payload, fds));
        } catch (error) {
            for (let fd of fds) fd >= 0 && closeFd2(fd);
            throw fds.length = 0, error;
        }
    }
    #dispatch(request, p, fds) {
        switch (request) {
          case Request.GET_FEATURES:
            return this.config.features;

          case Request.SET_FEATURES:
            return this.#setFeatures(p.getBigUint64(0, !0));

          case Request.GET_PROTOCOL_FEATURES:
            return this.config.protocolFeatures;

          case Request.SET_PROTOCOL_FEATURES:
            {
                let value = p.getBigUint64(0, !0);
                if ((value & ~this.config.protocolFeatures) !== 0n) throw new NicError3("NIC_EINVAL", `vhost-user SET_PROTOCOL_FEATURES: 0x${value.toString(16)} has bits not offered`);
                this.protocolFeatures = value;
                return;
            }

          case Request.SET_OWNER:
            return;

          case Request.RESET_OWNER:
            this.reset();
            return;

          case Request.GET_QUEUE_NUM:
            return BigInt(this.config.queuePairs);

          case Request.GET_MAX_MEM_SLOTS:
            return 8n;

          case Request.SET_BACKEND_REQ_FD:
            this.#setBackendChannel(fds);
            return;

          case Request.SET_MEM_TABLE:
            this.#setMemTable(p, fds);
            return;

          case Request.SET_LOG_BASE:
            return this.#setLogBase(p, fds), new Uint8Array(0);

          case Request.SET_LOG_FD:
            closeFd2(fds[0]), fds.length = 0;
            return;

          case Request.SET_VRING_NUM:
            {
                let vq = this.#vring(p.getUint32(0, !0), request);
                vq.num = p.getUint32(4, !0), vq.unmap();
                return;
            }

          case Request.SET_VRING_ADDR:
            {
                let vq = this.#vring(p.getUint32(ADDR_INDEX, !0), request), u532 = off => {
                    let v = p.getBigUint64(off, !0);
                    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new NicError3("NIC_EINVAL", `vhost-user SET_VRING_ADDR: address 0x${v.toString(16)} beyond 2^53`);
                    return Number(v);
                };
                vq.setAddresses({
                    flags: p.getUint32(ADDR_FLAGS, !0),
                    desc: u532(ADDR_DESC),
                    used: u532(ADDR_USED),
                    avail: u532(ADDR_AVAIL),
                    log: u532(ADDR_LOG)
                }), this.#mapVring(vq);
                return;
            }

          case Request.SET_VRING_BASE:
            {
                let vq = this.#vring(p.getUint32(0, !0), request);
                vq.lastAvail = p.getUint32(4, !0) & 65535, vq.lastUsed = vq.lastAvail;
                return;
            }

          case Request.GET_VRING_BASE:
            {
                let vq = this.#vring(p.getUint32(0, !0), request);
                this.#stopDevice();
                let reply = new Uint8Array(8), dv = new DataView(reply.buffer);
                return dv.setUint32(0, vq.index, !0), dv.setUint32(4, this.has(Feature.F_RING_PACKED) ? (vq.lastAvail | vq.lastUsed << 16) >>> 0 : vq.lastAvail, !0), 
                vq.unmap(), vq.kicked = !1, this.#setKick(vq, -1), vq.enabled = !1, reply;
            }

          case Request.SET_VRING_KICK:
          case Request.SET_VRING_CALL:
          case Request.SET_VRING_ERR:
            {
                let value = Number(p.getBigUint64(0, !0)), vq = this.#vring(value & VRING_IDX_MASK, request), fd = (value & VRING_NOFD_MASK) !== 0 ? -1 : fds[0];
                request === Request.SET_VRING_KICK && this.#setKick(vq, fd), fds.length = 0, request === Request.SET_VRING_KICK ? (vq.kicked = !0, 
                this.has(Feature.USER_F_PROTOCOL_FEATURES) || this.#setEnabled(vq, !0)) : request === Request.SET_VRING_CALL ? (vq.callFd >= 0 && closeFd2(vq.callFd), 
                vq.callFd = fd) : (vq.errFd >= 0 && closeFd2(vq.errFd), vq.errFd = fd), this.#checkReady();
                return;
            }

          case Request.SET_VRING_ENABLE:
            {
                let vq = this.#vring(p.getUint32(0, !0), request), on = p.getUint32(4, !0);
                if (on > 1) throw new NicError3("NIC_EINVAL", `vhost-user SET_VRING_ENABLE: state ${on} (0 or 1)`);
                this.#setEnabled(vq, on === 1), this.#checkReady();
                return;
            }

          case Request.NET_SET_MTU:
            {
                let mtu = Number(p.getBigUint64(0, !0));
                if (mtu < 68 || mtu > 65535) throw new NicError3("NIC_EINVAL", `vhost-user NET_SET_MTU: ${mtu} (68 to 65535)`);
                this.mtu = mtu;
                return;
            }

          case Request.SEND_RARP:
            this.shared.announce(new Uint8Array(p.buffer, p.byteOffset, 6));
            return;

          case Request.SET_STATUS:
            {
                let status = Number(p.getBigUint64(0, !0));
                if (status > 255) throw new NicError3("NIC_EINVAL", `vhost-user SET_STATUS: 0x${status.toString(16)} is more than 8 bits`);
                this.status = status, status === 0 ? this.#stopDevice() : this.#checkReady();
                return;
            }

          case Request.GET_STATUS:
            return BigInt(this.status);

          default:
            throw new NicError3("NIC_ENOTSUP", `vhost-user: ${requestName(request)} is not supported`);
        }
    }
    #setBackendChannel(fds) {
        if ((this.protocolFeatures & bit(ProtocolFeature.BACKEND_REQ)) === 0n) throw new NicError3("NIC_EINVAL", "vhost-user SET_BACKEND_REQ_FD: BACKEND_REQ was not negotiated");
        let fd = fds[0];
        this.#backend?.close(), this.#backend = void 0;
        try {
            this.#backend = new BackendChannel(fd, () => this.protocolFeatures, this.vrings.length);
        } catch (cause) {
            throw new NicError3("NIC_EINVAL", "vhost-user SET_BACKEND_REQ_FD: the fd cannot be watched", {
                cause: cause
            });
        }
        fds.length = 0;
    }
    #setKick(vq, fd) {
        this.config.kickInterrupts?.[vq.index]?.setKick(fd), vq.kickFd >= 0 && vq.kickFd !== fd && closeFd2(vq.kickFd), 
        vq.kickFd = fd;
    }
    #vring(index, request) {
        if (index >= this.vrings.length) throw new NicError3("NIC_EINVAL", `vhost-user ${requestName(request)}: vring ${index} (the device has ${this.vrings.length})`);
        return this.vrings[index];
    }
    #setFeatures(value) {
        if ((value & ~this.config.features) !== 0n) throw new NicError3("NIC_EINVAL", `vhost-user SET_FEATURES: 0x${value.toString(16)} has bits not offered`);
        if (this.running && ((value ^ this.features) & ~bit(Feature.F_LOG_ALL)) !== 0n) throw new NicError3("NIC_EBUSY", "vhost-user SET_FEATURES: features other than LOG_ALL cannot change while the device runs");
        let changed = value !== this.features;
        this.features = value, this.#updateLogging();
        for (let vq of this.vrings) this.#mapVring(vq);
        changed && this.#ops.featuresChanged?.(this, value);
    }
    #setLogBase(p, fds) {
        let fd = fds[0];
        fds.length = 0;
        try {
            if ((this.protocolFeatures & bit(ProtocolFeature.LOG_SHMFD)) === 0n) throw new NicError3("NIC_EINVAL", "vhost-user SET_LOG_BASE: LOG_SHMFD was not negotiated");
            let size = p.getBigUint64(0, !0), offset = p.getBigUint64(8, !0);
            if (size === 0n || offset + size > BigInt(Number.MAX_SAFE_INTEGER)) throw new NicError3("NIC_EINVAL", `vhost-user SET_LOG_BASE: size 0x${size.toString(16)} at offset 0x${offset.toString(16)}`);
            let window, mapping, length = Number(offset + size);
            try {
                let memory = this.config.arena?.wasm.memory;
                try {
                    window = memory ? windowsOf(memory).map(fd, {
                        length: length
                    }) : void 0;
                } catch (e) {
                    if (!(e instanceof NicError3 && e.code === "NIC_ENOMEM")) throw e;
                    log.notice(`vhost-user: dirty log mapped apart from the arena, logging bursts in TypeScript: ${e.message}`);
                }
                mapping = window ? window.mapping : mapFd(fd, {
                    offset: 0,
                    length: length,
                    writable: !0
                });
            } catch (cause) {
                throw new NicError3("NIC_EINVAL", `vhost-user SET_LOG_BASE: cannot map ${size} bytes at offset ${offset}`, {
                    cause: cause
                });
            }
            let old = this.#logRelease;
            this.#logRelease = window ? window.close : () => mapping.unmap(), this.log = new Uint8Array(mapping.buffer, Number(offset), Number(size)), 
            this.#logAddress = mapping.address + Number(offset), this.#logWindow = window ? window.base + Number(offset) : -1, 
            this.#updateLogging(), old?.();
        } finally {
            closeFd2(fd);
        }
    }
    #updateLogging() {
        let on = this.has(Feature.F_LOG_ALL);
        for (let vq of this.vrings) vq.setLog(this.log, on, this.#logWindow);
    }
    #setMemTable(p, fds) {
        let regions;
        try {
            regions = memTableRegions(p);
        } catch (error) {
            for (let fd of fds) closeFd2(fd);
            throw fds.length = 0, error;
        }
        let taken = fds.splice(0), memory = new GuestMemory(regions, taken, this.config.arena?.wasm.memory);
        this.config.arena && memory.apart !== void 0 && log.notice(`vhost-user: guest memory mapped apart from the arena, bursts in TypeScript: ${memory.apart}`);
        let old = this.memory;
        this.memory = memory;
        for (let vq of this.vrings) this.#mapVring(vq);
        old?.unmap();
    }
    #features() {
        return {
            hdrSize: this.has(Feature.F_VERSION_1) || this.has(Feature.NET_F_MRG_RXBUF) ? NET_HDR_SIZE : NET_HDR_SIZE_LEGACY,
            mrgRxbuf: this.has(Feature.NET_F_MRG_RXBUF),
            eventIdx: this.has(Feature.RING_F_EVENT_IDX),
            indirect: this.has(Feature.RING_F_INDIRECT_DESC),
            packed: this.has(Feature.F_RING_PACKED)
        };
    }
    #mapVring(vq) {
        if (!this.memory || !vq.addresses) return;
        let error = vq.map(this.memory, this.#features());
        if (error) throw new NicError3("NIC_EINVAL", `vhost-user: ${error}`);
        vq.setLog(this.log, this.has(Feature.F_LOG_ALL), this.#logWindow), this.config.deviceRings || vq.setNotification(!1), 
        this.config.kickInterrupts?.[vq.index]?.wake();
    }
    #setEnabled(vq, on) {
        vq.enabled !== on && (vq.enabled = on, this.config.kickInterrupts?.[vq.index]?.wake(), 
        this.#ops.vringStateChanged?.(this, vq.index, on));
    }
    #checkReady() {
        if (this.running) return;
        let statusOk = (this.protocolFeatures & bit(ProtocolFeature.STATUS)) === 0n || (this.status & 4) !== 0;
        this.vrings[0].ready && this.vrings[1].ready && statusOk && (this.running = !0, 
        this.#ops.newDevice?.(this));
    }
    #stopDevice() {
        this.running && (this.running = !1, this.#ops.destroyDevice?.(this));
    }
    reset() {
        this.#locked(() => this.#reset());
    }
    #reset() {
        this.#stopDevice(), this.#backend?.close(), this.#backend = void 0;
        for (let vq of this.vrings) {
            this.#setKick(vq, -1);
            for (let fd of [ vq.callFd, vq.errFd ]) fd >= 0 && closeFd2(fd);
            vq.callFd = vq.errFd = -1, vq.kicked = !1, vq.enabled = !1, vq.unmap(), vq.setAddresses(void 0), 
            vq.num = 0;
        }
        this.memory?.unmap(), this.memory = void 0, this.#logRelease?.(), this.#logRelease = void 0, 
        this.log = void 0, this.#logAddress = 0, this.#logWindow = -1, this.features = 0n, 
        this.protocolFeatures = 0n, this.status = 0, this.shared.cancelAnnouncement();
    }
};

import { existsSync, unlinkSync } from "fs";

import { NicError as NicError5, closeFd as closeFd4, unixAccept, unixConnect, unixListen, watchFd } from "@nic/native";

import { FramedReader as FramedReader2, NicError as NicError4, closeFd as closeFd3, unixSendmsg as unixSendmsg2 } from "@nic/native";

var ANSWERED = new Set([ Request.GET_FEATURES, Request.GET_PROTOCOL_FEATURES, Request.GET_VRING_BASE, Request.GET_QUEUE_NUM, Request.GET_MAX_MEM_SLOTS, Request.GET_STATUS, Request.SET_LOG_BASE ]);

function readHeader(v) {
    return {
        request: v.getUint32(0, !0),
        flags: v.getUint32(4, !0),
        size: v.getUint32(8, !0)
    };
}

var FRAMING = {
    name: "vhost-user",
    headerSize: 12,
    maxMessage: 276,
    maxFds: 8,
    messageSize(header, fds) {
        let h = readHeader(header);
        return checkHeader(h, fds), 12 + h.size;
    }
}, VhostConnection = class {
    fd;
    device;
    error;
    #reader;
    #onClose;
    #closed=!1;
    constructor(fd, device, onClose) {
        this.fd = fd, this.device = device, this.#onClose = onClose, this.#reader = new FramedReader2(fd, FRAMING, {
            message: (bytes, fds) => this.#dispatch(bytes, fds),
            end: error => this.close(error)
        });
    }
    get closed() {
        return this.#closed;
    }
    close(error) {
        this.#closed || (this.#closed = !0, this.error = error, this.#reader.close(), this.device.reset(), 
        closeFd3(this.fd), this.#onClose(this));
    }
    #dispatch(bytes, fds) {
        let reply, header = readHeader(new DataView(bytes.buffer, bytes.byteOffset, 12)), payload = new DataView(bytes.buffer, bytes.byteOffset + 12, header.size), ackWanted = (header.flags & 8) !== 0 && (this.device.protocolFeatures & bit(ProtocolFeature.REPLY_ACK)) !== 0n;
        try {
            checkMessage(header, payload, fds.length), reply = this.device.handle(header.request, payload, fds);
        } catch (error) {
            for (let fd of fds) fd >= 0 && closeFd3(fd);
            if (fds.length = 0, !(error instanceof NicError4) || !ackWanted || ANSWERED.has(header.request)) throw error;
            this.error = error, this.#send(header.request, 1n);
            return;
        }
        ANSWERED.has(header.request) ? this.#send(header.request, reply ?? 0n) : ackWanted && this.#send(header.request, 0n);
    }
    #send(request, reply) {
        let body = typeof reply == "bigint" ? u64(reply) : reply, message = new Uint8Array(12 + body.length), v = new DataView(message.buffer);
        v.setUint32(0, request, !0), v.setUint32(4, 5, !0), v.setUint32(8, body.length, !0), 
        message.set(body, 12);
        let sent = unixSendmsg2(this.fd, message);
        if (sent !== message.length) throw new NicError4("NIC_EIO", `vhost-user: reply to ${requestName(request)} sent ${sent} of ${message.length} bytes`);
    }
};

function u64(value) {
    let out = new Uint8Array(8);
    return new DataView(out.buffer).setBigUint64(0, value, !0), out;
}

var VhostUserSocket = class {
    path;
    device;
    #options;
    #listenFd=-1;
    #listener;
    #connection;
    #timer;
    #closed=!1;
    onDisconnect;
    constructor(path, options = {}) {
        let pairs = options.queuePairs ?? DEFAULT_QUEUE_PAIRS;
        if (!Number.isInteger(pairs) || pairs < 1 || pairs * 2 > MAX_VRINGS) throw new NicError5("NIC_EINVAL", `vhost-user ${path}: ${pairs} queue pairs (1 to ${MAX_VRINGS / 2})`);
        this.path = path, this.#options = options, this.device = new VhostDevice({
            features: (options.features ?? SUPPORTED_FEATURES) & ~(options.disableFeatures ?? 0n),
            protocolFeatures: SUPPORTED_PROTOCOL_FEATURES & (options.protocolFeatures ?? SUPPORTED_PROTOCOL_FEATURES),
            queuePairs: pairs,
            deviceRings: options.deviceRings === !0,
            state: options.state,
            kickInterrupts: options.kickInterrupts,
            arena: options.arena
        }, options.ops), options.client ? this.#connect(options.reconnect === !1) : (this.#listenFd = unixListen(path), 
        this.#listener = watchFd(this.#listenFd, () => this.#accept()));
    }
    get connected() {
        return this.#connection !== void 0;
    }
    #accept() {
        for (;;) {
            let fd = unixAccept(this.#listenFd);
            if (fd < 0) return;
            this.#connection ? closeFd4(fd) : this.#connection = new VhostConnection(fd, this.device, c => this.#closedConnection(c));
        }
    }
    #connect(throwing) {
        if (this.#timer = void 0, this.#closed) return;
        let fd;
        try {
            fd = unixConnect(this.path);
        } catch (error) {
            if (throwing) throw error;
            this.#timer = setTimeout(() => this.#connect(!1), this.#options.reconnectMs ?? 1e3);
            return;
        }
        this.#connection = new VhostConnection(fd, this.device, c => this.#closedConnection(c));
    }
    #closedConnection(connection) {
        this.#connection === connection && (this.#connection = void 0), this.onDisconnect?.(connection.error), 
        this.#options.client && this.#options.reconnect !== !1 && !this.#closed && (this.#timer = setTimeout(() => this.#connect(!1), this.#options.reconnectMs ?? 1e3));
    }
    close() {
        this.#closed || (this.#closed = !0, this.#timer && clearTimeout(this.#timer), this.#connection?.close(), 
        this.#listener?.close(), this.#listenFd >= 0 && (closeFd4(this.#listenFd), existsSync(this.path) && unlinkSync(this.path)), 
        this.#listenFd = -1);
    }
};

import { closeFd as closeFd5, Epoll, epollWait, eventfd, eventfdRead, eventfdWrite } from "@nic/native";

var KICK_INTERRUPT_SIZE = 16;

function slots(location) {
    return new Int32Array(location.buffer, location.offset, 4);
}

var KickInterrupt = class {
    #slots;
    #epoll;
    #wake;
    #kick=-1;
    constructor(location) {
        this.#slots = slots(location), this.#epoll = new Epoll;
        try {
            this.#wake = eventfd(0, {
                nonblock: !0
            });
        } catch (e) {
            throw this.#epoll.close(), e;
        }
        this.#epoll.add(this.#wake), Atomics.store(this.#slots, 0, this.#epoll.fd), Atomics.store(this.#slots, 1, this.#wake), 
        Atomics.store(this.#slots, 2, -1);
    }
    get fd() {
        return this.#epoll.fd;
    }
    setKick(fd) {
        fd !== this.#kick && (this.#kick >= 0 && this.#epoll.remove(this.#kick), this.#kick = -1, 
        Atomics.store(this.#slots, 2, -1), fd >= 0 && this.#epoll.add(fd), this.#kick = fd, 
        Atomics.store(this.#slots, 2, fd), this.wake());
    }
    wake() {
        eventfdWrite(this.#wake, 1);
    }
    close() {
        this.#kick >= 0 && this.#epoll.remove(this.#kick), this.#kick = -1, Atomics.store(this.#slots, 0, -1), 
        Atomics.store(this.#slots, 1, -1), Atomics.store(this.#slots, 2, -1), this.#epoll.close(), 
        closeFd5(this.#wake);
    }
}, KickWaiter = class {
    #slots;
    #lock;
    #fds=[ -1, -1 ];
    constructor(location, state, vring) {
        this.#slots = slots(location), this.#lock = state.v32[vring];
    }
    get fd() {
        return Atomics.load(this.#slots, 0);
    }
    clear() {
        let lock = this.#lock;
        for (;Atomics.compareExchange(lock, V_LOCK, LOCK_FREE, LOCK_BURST) !== LOCK_FREE; ) ;
        try {
            this.#fds[0] = Atomics.load(this.#slots, 1), this.#fds[1] = Atomics.load(this.#slots, 2);
            let live = this.#fds[1] >= 0 ? this.#fds : this.#fds.slice(0, 1);
            for (let fd of epollWait(live, 0)) eventfdRead(fd);
        } finally {
            Atomics.store(lock, V_LOCK, LOCK_FREE);
        }
    }
};

var RARP_FRAME_LEN = 60, ETHERTYPE_RARP = 32821;

function writeRarpFrame(frame, mac) {
    frame.fill(0, 0, 60), frame.fill(255, 0, 6), frame.set(mac.subarray(0, 6), 6);
    let be16 = (at, value) => {
        frame[at] = value >>> 8, frame[at + 1] = value & 255;
    };
    be16(12, 32821), be16(14, 1), be16(16, 2048), frame[18] = 6, frame[19] = 4, be16(20, 3), 
    frame.set(mac.subarray(0, 6), 22), frame.set(mac.subarray(0, 6), 32);
}

function writeRarpMbuf(arena, h, mac) {
    let data = arena.u32[h + 0 >>> 2] + 128;
    writeRarpFrame(arena.u8.subarray(data, data + 60), mac), arena.u16[h + 12 >>> 1] = 128, 
    arena.u16[h + 36 >>> 1] = 60, arena.u32[h + 32 >>> 2] = 60;
}

export { BackendRequest, VRING_AREA_SIZE, BackendChannel, checkHeader, checkMessage, memTableRegions, requestName, STATUS_DRIVER_OK, VhostDevice, VhostConnection, VhostUserSocket, KICK_INTERRUPT_SIZE, KickInterrupt, KickWaiter, RARP_FRAME_LEN, ETHERTYPE_RARP, writeRarpFrame, writeRarpMbuf };//# sourceMappingURL=chunk-SWPN7DBG.js.map