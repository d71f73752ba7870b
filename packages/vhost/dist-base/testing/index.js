import { DESC_F_AVAIL, DESC_F_USED, DESC_F_WRITE, DESC_SIZE, FLAG_REPLY, FLAG_VERSION, Feature, GuestMemory, HEADER_SIZE, LOG_PAGE, ProtocolFeature, Request, USED_F_NO_NOTIFY, VRING_F_LOG, VRING_NOFD_MASK, Virtqueue, availSize } from "../chunk-VBAQGHE3.js";

import { openSync, readdirSync, readFileSync, readlinkSync, ftruncateSync, unlinkSync } from "fs";

import { closeFd, mapFd, unixConnect, unixRecvmsg, unixSendmsg } from "@nic/native";

var serial = 0;

function guestFile(size, count = 2) {
    let path = `/dev/shm/nic-vhost-${process.pid}-${serial++}`, fds = [];
    for (let i = 0; i < count; i++) fds.push(openSync(path, "w+"));
    return ftruncateSync(fds[0], size), unlinkSync(path), {
        path: path,
        fds: fds
    };
}

function mappingsOf(path) {
    return readFileSync("/proc/self/maps", "utf8").split("\n").filter(l => l.includes(path)).length;
}

function openFds(target) {
    let fds = readdirSync("/proc/self/fd");
    return target === void 0 ? fds.length : fds.filter(fd => {
        try {
            let link = readlinkSync(`/proc/self/fd/${fd}`);
            return link === target || link === `${target} (deleted)`;
        } catch {
            return !1;
        }
    }).length;
}

var EVENTFD_LINK = "anon_inode:[eventfd]", GPA_BASE = 1048576, UVA_BASE = 0x7f0000000000, DESC_OFF = 0, BUFFERS_OFF = 65536, GuestRing = class {
    size;
    num;
    path;
    mem;
    vq;
    front;
    u8;
    dv;
    availOff;
    usedOff;
    #availIdx=0;
    constructor(num = 8, size = 1 << 20, hdrSize = 12, indirect = !0, memory) {
        this.size = size, this.num = num;
        let {path: path, fds: fds} = guestFile(size);
        this.path = path, this.mem = new GuestMemory([ {
            guestPhysAddr: 1048576,
            size: size,
            userspaceAddr: UVA_BASE,
            mmapOffset: 0
        } ], [ fds[0] ], memory), this.front = mapFd(fds[1], {
            length: size,
            writable: !0
        }), closeFd(fds[1]), this.u8 = new Uint8Array(this.front.buffer), this.dv = new DataView(this.front.buffer), 
        this.availOff = 0 + num * 16, this.usedOff = this.availOff + availSize(num) + 4095 & -4096, 
        this.vq = new Virtqueue(1), this.vq.num = num, this.vq.setAddresses({
            desc: UVA_BASE + 0,
            avail: UVA_BASE + this.availOff,
            used: UVA_BASE + this.usedOff,
            flags: 0,
            log: 0
        });
        let error = this.vq.map(this.mem, {
            hdrSize: hdrSize,
            mrgRxbuf: hdrSize === 12,
            eventIdx: !1,
            indirect: indirect
        });
        if (error) throw new Error(error);
        this.vq.enabled = !0;
    }
    desc(i, addr, len, flags, next = 0, table = 0) {
        let o = table + i * 16;
        this.dv.setBigUint64(o, BigInt(addr), !0), this.dv.setUint32(o + 8, len, !0), this.dv.setUint16(o + 12, flags, !0), 
        this.dv.setUint16(o + 14, next, !0);
    }
    reset() {
        this.u8.fill(0), this.#availIdx = 0, this.vq.lastAvail = this.vq.lastUsed = 0, this.vq.clearCounters();
    }
    push(head) {
        this.dv.setUint16(this.availOff + 4 + this.#availIdx % this.num * 2, head, !0), 
        this.#availIdx = this.#availIdx + 1 & 65535, this.dv.setUint16(this.availOff + 2, this.#availIdx, !0);
    }
    usedIdx() {
        return this.dv.getUint16(this.usedOff + 2, !0);
    }
    used(i) {
        let o = this.usedOff + 4 + i % this.num * 8;
        return {
            id: this.dv.getUint32(o, !0),
            len: this.dv.getUint32(o + 4, !0)
        };
    }
    close() {
        this.mem.unmap(), this.front.unmap();
    }
}, RawFrontend = class {
    fd;
    #buffer=new Uint8Array(4096);
    constructor(path) {
        this.fd = unixConnect(path);
    }
    send(request, payload = new Uint8Array(0), fds = [], flags = 1, size = payload.length) {
        let m = new Uint8Array(12 + payload.length), v = new DataView(m.buffer);
        if (v.setUint32(0, request, !0), v.setUint32(4, flags, !0), v.setUint32(8, size, !0), 
        m.set(payload, 12), unixSendmsg(this.fd, m, fds) !== m.length) throw new Error("the backend did not take the whole message");
    }
    async receive(timeoutMs = 5e3) {
        let deadline = Date.now() + timeoutMs;
        for (;;) {
            let got;
            try {
                got = unixRecvmsg(this.fd, this.#buffer);
            } catch {
                return "closed";
            }
            if (got.bytes === 0) return "closed";
            if (got.bytes > 0) {
                let v = new DataView(this.#buffer.buffer, 0, got.bytes);
                return {
                    request: v.getUint32(0, !0),
                    flags: v.getUint32(4, !0),
                    payload: new DataView(this.#buffer.slice(12, got.bytes).buffer)
                };
            }
            if (Date.now() > deadline) throw new Error("no reply from the backend");
            await new Promise(r => setTimeout(r, 2));
        }
    }
    close() {
        closeFd(this.fd);
    }
};

function u64(value) {
    let b = new Uint8Array(8);
    return new DataView(b.buffer).setBigUint64(0, BigInt(value), !0), b;
}

function state(index, num) {
    let b = new Uint8Array(8), v = new DataView(b.buffer);
    return v.setUint32(0, index, !0), v.setUint32(4, num, !0), b;
}

function memTable(regions) {
    let b = new Uint8Array(8 + 32 * regions.length), v = new DataView(b.buffer);
    return v.setUint32(0, regions.length, !0), regions.forEach((r, i) => r.forEach((x, j) => v.setBigUint64(8 + 32 * i + 8 * j, BigInt(x), !0))), 
    b;
}

import { existsSync, unlinkSync as unlinkSync2 } from "fs";

import { closeFd as closeFd2, unixAccept, unixConnect as unixConnect2, unixListen, unixRecvmsg as unixRecvmsg2, unixSendmsg as unixSendmsg2 } from "@nic/native";

var serial2 = 0, BackendPeer = class _BackendPeer {
    fd;
    #buffer=new Uint8Array(4096);
    #length=0;
    #closed=!1;
    #fdsAt=[];
    constructor(fd) {
        this.fd = fd;
    }
    static pair() {
        let path = `/tmp/nic-vhost-channel-${process.pid}-${serial2++}.sock`, listener = unixListen(path);
        try {
            let backendEnd = unixConnect2(path), mine = unixAccept(listener);
            if (mine < 0) throw closeFd2(backendEnd), new Error("the channel socket did not accept its own connection");
            return {
                peer: new _BackendPeer(mine),
                backendEnd: backendEnd
            };
        } finally {
            closeFd2(listener), existsSync(path) && unlinkSync2(path);
        }
    }
    async receive(timeoutMs = 5e3) {
        let deadline = Date.now() + timeoutMs;
        for (;;) {
            let whole = this.#take();
            if (whole) return whole;
            let got;
            try {
                got = unixRecvmsg2(this.fd, this.#buffer.subarray(this.#length), 8);
            } catch {
                return "closed";
            }
            if (got.bytes === 0) return "closed";
            if (got.bytes > 0) {
                got.fds.length > 0 && this.#fdsAt.push({
                    at: this.#length,
                    fds: got.fds
                }), this.#length += got.bytes;
                continue;
            }
            if (Date.now() > deadline) throw new Error("no request from the backend");
            await new Promise(r => setTimeout(r, 2));
        }
    }
    #take() {
        if (this.#length < 12) return;
        let v = new DataView(this.#buffer.buffer, 0, this.#length), end = 12 + v.getUint32(8, !0);
        if (this.#length < end) return;
        let message = {
            request: v.getUint32(0, !0),
            flags: v.getUint32(4, !0),
            payload: new DataView(this.#buffer.slice(12, end).buffer),
            fds: []
        }, rest = [];
        for (let f of this.#fdsAt) f.at < end ? message.fds.push(...f.fds) : rest.push({
            at: f.at - end,
            fds: f.fds
        });
        return this.#fdsAt = rest, this.#buffer.copyWithin(0, end, this.#length), this.#length -= end, 
        message;
    }
    reply(request, value) {
        let m = new Uint8Array(20), v = new DataView(m.buffer);
        if (v.setUint32(0, request, !0), v.setUint32(4, 5, !0), v.setUint32(8, 8, !0), v.setBigUint64(12, value, !0), 
        unixSendmsg2(this.fd, m) !== m.length) throw new Error("the backend did not take the reply");
    }
    close() {
        if (!this.#closed) {
            this.#closed = !0;
            for (let f of this.#fdsAt.splice(0)) for (let fd of f.fds) closeFd2(fd);
            closeFd2(this.fd);
        }
    }
};

import { closeFd as closeFd3, eventfd, eventfdWrite, mapFd as mapFd2 } from "@nic/native";

var FRONTEND_RING = 256, FRONTEND_BUFFER = 2048, GPA = 1073741824, UVA = 0x7e0000000000, VhostTestFrontend = class _VhostTestFrontend {
    #raw;
    #memory;
    #dv;
    #u8;
    #vrings;
    #buffers;
    #avail;
    #used;
    #size;
    #features=0n;
    #log;
    #packed;
    #inFlight;
    #availWrap;
    #usedWrap;
    kickfds=[];
    callfds=[];
    received;
    receivedBytes;
    backend;
    constructor(raw, memory, vrings, packed) {
        this.#raw = raw, this.#size = memory.length, this.#memory = memory, this.#dv = new DataView(memory.buffer), 
        this.#u8 = new Uint8Array(memory.buffer), this.#vrings = vrings, this.#buffers = vrings * 16384, 
        this.#avail = new Array(vrings).fill(0), this.#used = new Array(vrings).fill(0), 
        this.#packed = packed, this.#inFlight = new Array(vrings).fill(0), this.#availWrap = new Array(vrings).fill(1), 
        this.#usedWrap = new Array(vrings).fill(1), this.received = new Array(vrings / 2).fill(0), 
        this.receivedBytes = new Array(vrings / 2).fill(0);
    }
    static async connect(path, pairs = 1, logShmfd = !1, eventfds = !1, protocolFeatures = 0n) {
        let o = typeof pairs == "number" ? {
            pairs: pairs,
            logShmfd: logShmfd,
            eventfds: eventfds,
            protocolFeatures: protocolFeatures
        } : pairs;
        return _VhostTestFrontend.#connect(path, o.pairs ?? 1, o.logShmfd ?? !1, o.eventfds ?? !1, o.protocolFeatures ?? 0n, o.packed ?? !1);
    }
    static async #connect(path, pairs, logShmfd, eventfds, protocolFeatures, packed) {
        let vrings = pairs * 2, size = vrings * 16384 + vrings * 256 * 2048, {fds: fds} = guestFile(size, 2), memory = mapFd2(fds[1], {
            length: size,
            writable: !0
        });
        closeFd3(fds[1]);
        let raw = new RawFrontend(path), f = new _VhostTestFrontend(raw, memory, vrings, packed);
        raw.send(Request.GET_FEATURES);
        let offered = await raw.receive();
        if (offered === "closed") throw new Error("the backend closed the connection");
        let want = 1n << BigInt(Feature.F_VERSION_1) | 1n << BigInt(Feature.NET_F_MRG_RXBUF) | (packed ? 1n << BigInt(Feature.F_RING_PACKED) : 0n);
        raw.send(Request.SET_OWNER);
        let protocol = protocolFeatures | (logShmfd ? 1n << BigInt(ProtocolFeature.LOG_SHMFD) : 0n);
        if (protocol !== 0n && raw.send(Request.SET_PROTOCOL_FEATURES, u64(protocol)), (protocol & 1n << BigInt(ProtocolFeature.BACKEND_REQ)) !== 0n) {
            let {peer: peer, backendEnd: backendEnd} = BackendPeer.pair();
            f.backend = peer, raw.send(Request.SET_BACKEND_REQ_FD, new Uint8Array(0), [ backendEnd ]), 
            closeFd3(backendEnd);
        }
        f.#features = offered.payload.getBigUint64(0, !0) & want, raw.send(Request.SET_FEATURES, u64(f.#features)), 
        raw.send(Request.SET_MEM_TABLE, memTable([ [ GPA, size, UVA, 0 ] ]), [ fds[0] ]), 
        closeFd3(fds[0]);
        for (let v = 0; v < vrings; v++) raw.send(Request.SET_VRING_NUM, state(v, 256)), 
        raw.send(Request.SET_VRING_BASE, state(v, packed ? 32768 : 0)), raw.send(Request.SET_VRING_ADDR, f.#vringAddr(v, 0)), 
        v % 2 === 0 && f.#fillRx(v), eventfds ? (f.callfds.push(eventfd(0, {
            nonblock: !0
        })), f.kickfds.push(eventfd(0, {
            nonblock: !0
        })), raw.send(Request.SET_VRING_CALL, u64(v), [ f.callfds[v] ]), raw.send(Request.SET_VRING_KICK, u64(v), [ f.kickfds[v] ])) : (raw.send(Request.SET_VRING_CALL, u64(v | VRING_NOFD_MASK)), 
        raw.send(Request.SET_VRING_KICK, u64(v | VRING_NOFD_MASK)));
        return f;
    }
    #vringAddr(v, flags) {
        let base = v * 16384, addr = new Uint8Array(40), a = new DataView(addr.buffer);
        return a.setUint32(0, v, !0), a.setUint32(4, flags, !0), a.setBigUint64(8, BigInt(UVA + base), !0), 
        a.setBigUint64(16, BigInt(UVA + base + 8192), !0), a.setBigUint64(24, BigInt(UVA + base + 4096), !0), 
        a.setBigUint64(32, BigInt(GPA + base + 8192), !0), addr;
    }
    async startLogging() {
        let bytes = Math.ceil((GPA + this.#size) / LOG_PAGE / 8), {fds: fds} = guestFile(bytes, 2);
        this.#log = mapFd2(fds[1], {
            length: bytes,
            writable: !0
        }), closeFd3(fds[1]);
        let payload = new Uint8Array(16);
        new DataView(payload.buffer).setBigUint64(0, BigInt(bytes), !0), this.#raw.send(Request.SET_LOG_BASE, payload, [ fds[0] ]), 
        closeFd3(fds[0]);
        let reply = await this.#raw.receive();
        if (reply === "closed" || reply.request !== Request.SET_LOG_BASE) throw new Error("SET_LOG_BASE was not answered");
        this.#raw.send(Request.SET_FEATURES, u64(this.#features | 1n << BigInt(Feature.F_LOG_ALL)));
        for (let v = 0; v < this.#vrings; v++) this.#raw.send(Request.SET_VRING_ADDR, this.#vringAddr(v, VRING_F_LOG));
        if (this.#raw.send(Request.GET_FEATURES), await this.#raw.receive() === "closed") throw new Error("the backend closed the connection");
    }
    snapshot() {
        return this.#u8.slice();
    }
    changedPages(before) {
        let pages = [];
        for (let page = 0; page * LOG_PAGE < this.#size; page++) {
            let start = page * LOG_PAGE;
            for (let i = start; i < Math.min(start + LOG_PAGE, this.#size); i++) if (this.#u8[i] !== before[i]) {
                pages.push(page);
                break;
            }
        }
        return pages;
    }
    logged(page) {
        if (!this.#log) return !1;
        let gpaPage = GPA / LOG_PAGE + page;
        return (new Uint8Array(this.#log.buffer)[gpaPage >> 3] & 1 << (gpaPage & 7)) !== 0;
    }
    loggedPages() {
        let pages = [];
        for (let page = 0; page * LOG_PAGE < this.#size; page++) this.logged(page) && pages.push(page);
        return pages;
    }
    #buffer(v, i) {
        return this.#buffers + (v * 256 + i) * 2048;
    }
    #availBits(wrap) {
        return wrap === 1 ? DESC_F_AVAIL : DESC_F_USED;
    }
    #postPacked(v, id, len, flags) {
        let d = v * 16384 + this.#avail[v] * 16;
        this.#dv.setBigUint64(d, BigInt(GPA + this.#buffer(v, id)), !0), this.#dv.setUint32(d + 8, len, !0), 
        this.#dv.setUint16(d + 12, id, !0), Atomics.store(new Uint16Array(this.#memory.buffer, d + 14, 1), 0, flags | this.#availBits(this.#availWrap[v])), 
        this.#avail[v] = (this.#avail[v] + 1) % 256, this.#avail[v] === 0 && (this.#availWrap[v] ^= 1);
    }
    #takeUsedPacked(v) {
        let d = v * 16384 + this.#used[v] * 16, flags = Atomics.load(new Uint16Array(this.#memory.buffer, d + 14, 1), 0), w = this.#usedWrap[v];
        if ((flags >> 7 & 1) !== w || flags >> 15 !== w) return;
        let used = {
            id: this.#dv.getUint16(d + 12, !0),
            len: this.#dv.getUint32(d + 8, !0)
        };
        return this.#used[v] = (this.#used[v] + 1) % 256, this.#used[v] === 0 && (this.#usedWrap[v] ^= 1), 
        used;
    }
    #fillRx(v) {
        if (this.#packed) {
            for (let i = 0; i < 256; i++) this.#postPacked(v, i, 2048, 2);
            return;
        }
        for (let i = 0; i < 256; i++) {
            let d = v * 16384 + i * 16;
            this.#dv.setBigUint64(d, BigInt(GPA + this.#buffer(v, i)), !0), this.#dv.setUint32(d + 8, 2048, !0), 
            this.#dv.setUint16(d + 12, 2, !0), this.#dv.setUint16(v * 16384 + 4096 + 4 + 2 * i, i, !0);
        }
        this.#avail[v] = 256, this.#dv.setUint16(v * 16384 + 4096 + 2, 256, !0);
    }
    poll() {
        for (let v = 0; v < this.#vrings; v += 2) {
            if (this.#packed) {
                for (let u = this.#takeUsedPacked(v); u !== void 0; u = this.#takeUsedPacked(v)) this.received[v / 2]++, 
                this.receivedBytes[v / 2] += u.len - 12, this.#postPacked(v, u.id, 2048, 2);
                continue;
            }
            let base = v * 16384, usedIdx = this.#dv.getUint16(base + 8192 + 2, !0);
            for (;this.#used[v] !== usedIdx; ) {
                let slot = this.#used[v] % 256, id = this.#dv.getUint32(base + 8192 + 4 + 8 * slot, !0), len = this.#dv.getUint32(base + 8192 + 8 + 8 * slot, !0);
                this.received[v / 2]++, this.receivedBytes[v / 2] += len - 12, this.#dv.setUint16(base + 4096 + 4 + this.#avail[v] % 256 * 2, id, !0), 
                this.#avail[v] = this.#avail[v] + 1 & 65535, this.#used[v] = this.#used[v] + 1 & 65535;
            }
            this.#dv.setUint16(base + 4096 + 2, this.#avail[v], !0);
        }
    }
    send(pair, frames) {
        let v = pair * 2 + 1;
        if (this.#packed) return this.#sendPacked(v, frames);
        let base = v * 16384, usedIdx = this.#dv.getUint16(base + 8192 + 2, !0);
        this.#used[v] = usedIdx;
        let sent = 0;
        for (let frame of frames) {
            if ((this.#avail[v] - this.#used[v] & 65535) >= 256) break;
            let id = this.#avail[v] % 256, buf = this.#buffer(v, id);
            this.#u8.fill(0, buf, buf + 12), this.#u8.set(frame, buf + 12);
            let d = base + id * 16;
            this.#dv.setBigUint64(d, BigInt(GPA + buf), !0), this.#dv.setUint32(d + 8, 12 + frame.length, !0), 
            this.#dv.setUint16(d + 12, 0, !0), this.#dv.setUint16(base + 4096 + 4 + 2 * id, id, !0), 
            this.#avail[v] = this.#avail[v] + 1 & 65535, sent++;
        }
        return Atomics.store(new Uint16Array(this.#memory.buffer, base + 4096, 2), 1, this.#avail[v]), 
        sent;
    }
    #sendPacked(v, frames) {
        for (;this.#takeUsedPacked(v) !== void 0; ) this.#inFlight[v]--;
        let sent = 0;
        for (let frame of frames) {
            if (this.#inFlight[v] >= 256) break;
            let slot = this.#avail[v], buf = this.#buffer(v, slot);
            this.#u8.fill(0, buf, buf + 12), this.#u8.set(frame, buf + 12), this.#postPacked(v, slot, 12 + frame.length, 0), 
            this.#inFlight[v]++, sent++;
        }
        return sent;
    }
    announce(mac) {
        let payload = new Uint8Array(8);
        payload.set(mac.subarray(0, 6)), this.#raw.send(Request.SEND_RARP, payload);
    }
    notify(pair) {
        let v = pair * 2 + 1;
        return (Atomics.load(new Uint16Array(this.#memory.buffer, v * 16384 + 8192, 1), 0) & USED_F_NO_NOTIFY) !== 0 ? !1 : (this.kick(v), 
        !0);
    }
    kick(v) {
        eventfdWrite(this.kickfds[v], 1);
    }
    usedIdx(v) {
        return Atomics.load(new Uint16Array(this.#memory.buffer, v * 16384 + 8192, 2), 1);
    }
    usedFlags(v) {
        return this.#dv.getUint16(v * 16384 + 8192, !0);
    }
    close() {
        for (let fd of [ ...this.kickfds, ...this.callfds ]) closeFd3(fd);
        this.backend?.close(), this.#raw.close(), this.#memory.unmap(), this.#log?.unmap();
    }
};

import { closeFd as closeFd4, mapFd as mapFd3 } from "@nic/native";

var PACKED_DESC_OFF = 0, PACKED_BUFFERS_OFF = 65536, GuestPackedRing = class {
    size;
    num;
    path;
    mem;
    vq;
    front;
    u8;
    dv;
    driverOff;
    deviceOff;
    #availIdx=0;
    #availWrap=1;
    #usedIdx=0;
    #usedWrap=1;
    #chainLen=new Map;
    constructor(num = 8, size = 1 << 20, features = {}) {
        this.size = size, this.num = num;
        let {path: path, fds: fds} = guestFile(size);
        this.path = path, this.mem = new GuestMemory([ {
            guestPhysAddr: 1048576,
            size: size,
            userspaceAddr: UVA_BASE,
            mmapOffset: 0
        } ], [ fds[0] ]), this.front = mapFd3(fds[1], {
            length: size,
            writable: !0
        }), closeFd4(fds[1]), this.u8 = new Uint8Array(this.front.buffer), this.dv = new DataView(this.front.buffer), 
        this.driverOff = 0 + num * 16 + 15 & -16, this.deviceOff = this.driverOff + 16, 
        this.vq = new Virtqueue(1), this.vq.num = num, this.vq.lastAvail = this.vq.lastUsed = 32768, 
        this.vq.setAddresses({
            desc: UVA_BASE + 0,
            avail: UVA_BASE + this.driverOff,
            used: UVA_BASE + this.deviceOff,
            flags: 0,
            log: 0
        });
        let error = this.vq.map(this.mem, {
            hdrSize: 12,
            mrgRxbuf: !0,
            eventIdx: !1,
            indirect: !0,
            packed: !0,
            ...features
        });
        if (error) throw new Error(error);
        this.vq.enabled = !0;
    }
    get availPosition() {
        return {
            index: this.#availIdx,
            wrap: this.#availWrap
        };
    }
    desc(i, addr, len, id, flags, table = 0) {
        let o = table + i * 16;
        this.dv.setBigUint64(o, BigInt(addr), !0), this.dv.setUint32(o + 8, len, !0), this.dv.setUint16(o + 12, id, !0), 
        this.dv.setUint16(o + 14, flags, !0);
    }
    #availBits(wrap) {
        return wrap === 1 ? DESC_F_AVAIL : DESC_F_USED;
    }
    post(chain, id, rawNext = !1) {
        let head = this.#availIdx, headFlags = 0;
        for (let k = 0; k < chain.length; k++) {
            let d = chain[k], next = !rawNext && k < chain.length - 1 ? 1 : 0, flags = d.flags | next | this.#availBits(this.#availWrap);
            k === 0 ? (this.desc(this.#availIdx, d.addr, d.len, id, 0), headFlags = flags) : this.desc(this.#availIdx, d.addr, d.len, id, flags), 
            ++this.#availIdx === this.num && (this.#availIdx = 0, this.#availWrap ^= 1);
        }
        return this.#chainLen.set(id, chain.length), Atomics.store(new Uint16Array(this.front.buffer, 0 + head * 16 + 14, 1), 0, headFlags), 
        head;
    }
    takeUsed() {
        let o = 0 + this.#usedIdx * 16, flags = this.dv.getUint16(o + 14, !0), avail = flags >> 7 & 1, used = flags >> 15;
        if (avail !== used || used !== this.#usedWrap) return;
        let id = this.dv.getUint16(o + 12, !0), len = this.dv.getUint32(o + 8, !0);
        return this.#usedIdx += this.#chainLen.get(id) ?? 1, this.#usedIdx >= this.num && (this.#usedIdx -= this.num, 
        this.#usedWrap ^= 1), {
            id: id,
            len: len
        };
    }
    takeAllUsed() {
        let all = [];
        for (let u = this.takeUsed(); u !== void 0; u = this.takeUsed()) all.push(u);
        return all;
    }
    driverEvent(flags, offWrap = 0) {
        this.dv.setUint16(this.driverOff, offWrap, !0), this.dv.setUint16(this.driverOff + 2, flags, !0);
    }
    deviceEvent() {
        return {
            offWrap: this.dv.getUint16(this.deviceOff, !0),
            flags: this.dv.getUint16(this.deviceOff + 2, !0)
        };
    }
    reset() {
        this.u8.fill(0), this.#availIdx = this.#usedIdx = 0, this.#availWrap = this.#usedWrap = 1, 
        this.#chainLen.clear(), this.vq.lastAvail = this.vq.lastUsed = 32768, this.vq.clearCounters();
    }
    close() {
        this.mem.unmap(), this.front.unmap();
    }
};

import { spawn } from "child_process";

import { existsSync as existsSync2, rmSync } from "fs";

import { lcoresOnCpus, processCpus } from "@nic/eal";

var TESTPMD = "/usr/bin/dpdk-testpmd", TESTPMD_MISSING = existsSync2(TESTPMD) ? void 0 : `${TESTPMD} is missing (tools/setup-host.sh installs Debian's dpdk)`, TESTPMD_TEST_MS = 9e4, Testpmd = class {
    #child;
    #prefix;
    #out="";
    #err="";
    #exited=!1;
    constructor(socketPath, prefix, devargs = "", extra = [], queues = 1) {
        let args = [ "--lcores", lcoresOnCpus(2, processCpus()), "--no-pci", "--no-huge", "-m", "256", `--file-prefix=${prefix}`, "--log-level=*:notice", "--vdev", `net_virtio_user0,path=${socketPath},queues=${queues}${devargs}`, "--", "-i", "--total-num-mbufs=4096", "--nb-cores=1", `--rxq=${queues}`, `--txq=${queues}`, ...extra ];
        this.#prefix = prefix, this.#child = spawn("stdbuf", [ "-oL", TESTPMD, ...args ], {
            stdio: "pipe"
        }), this.#child.stdout.on("data", d => this.#out += d.toString()), this.#child.stderr.on("data", d => this.#err += d.toString()), 
        this.#child.on("exit", () => this.#exited = !0);
    }
    get output() {
        return this.#out;
    }
    async waitFor(pattern, from = 0, timeoutMs = 2e4) {
        let deadline = Date.now() + timeoutMs;
        for (;;) {
            let m = this.#out.slice(from).match(pattern);
            if (m) return m;
            if (this.#exited) throw new Error(`testpmd exited; output:\n${this.#out}\n${this.#err}`);
            if (Date.now() > deadline) throw new Error(`testpmd: timed out waiting for ${pattern}; output:\n${this.#out}\n${this.#err}`);
            await new Promise(r => setTimeout(r, 5));
        }
    }
    async ready() {
        await this.waitFor(/testpmd> /);
    }
    async command(line, timeoutMs = 2e4) {
        let from = this.#out.length;
        return this.#child.stdin.write(`${line}\n`), await this.waitFor(/testpmd> /, from, timeoutMs), 
        this.#out.slice(from);
    }
    async quit() {
        if (!this.#exited) {
            this.#child.stdin.write("quit\n");
            let deadline = Date.now() + 1e4;
            for (;!this.#exited && Date.now() < deadline; ) await new Promise(r => setTimeout(r, 10));
            this.#exited || this.#child.kill("SIGKILL");
        }
        rmSync(`/var/run/dpdk/${this.#prefix}`, {
            recursive: !0,
            force: !0
        });
    }
};

export { BUFFERS_OFF, BackendPeer, DESC_OFF, EVENTFD_LINK, FRONTEND_BUFFER, FRONTEND_RING, GPA_BASE, GuestPackedRing, GuestRing, PACKED_BUFFERS_OFF, PACKED_DESC_OFF, RawFrontend, TESTPMD, TESTPMD_MISSING, TESTPMD_TEST_MS, Testpmd, UVA_BASE, VhostTestFrontend, guestFile, mappingsOf, memTable, openFds, state, u64 };//# sourceMappingURL=index.js.map