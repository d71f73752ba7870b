var HEADER_SIZE = 12, HDR_REQUEST = 0, HDR_FLAGS = 4, HDR_SIZE = 8, FLAG_VERSION = 1, FLAG_VERSION_MASK = 3, FLAG_REPLY = 4, FLAG_NEED_REPLY = 8, REPLY_FLAGS = 5, MAX_FDS = 8, MAX_MEM_REGIONS = 8, MAX_PAYLOAD = 264, Request = {
    GET_FEATURES: 1,
    SET_FEATURES: 2,
    SET_OWNER: 3,
    RESET_OWNER: 4,
    SET_MEM_TABLE: 5,
    SET_LOG_BASE: 6,
    SET_LOG_FD: 7,
    SET_VRING_NUM: 8,
    SET_VRING_ADDR: 9,
    SET_VRING_BASE: 10,
    GET_VRING_BASE: 11,
    SET_VRING_KICK: 12,
    SET_VRING_CALL: 13,
    SET_VRING_ERR: 14,
    GET_PROTOCOL_FEATURES: 15,
    SET_PROTOCOL_FEATURES: 16,
    GET_QUEUE_NUM: 17,
    SET_VRING_ENABLE: 18,
    SEND_RARP: 19,
    NET_SET_MTU: 20,
    SET_BACKEND_REQ_FD: 21,
    IOTLB_MSG: 22,
    GET_MAX_MEM_SLOTS: 36,
    SET_STATUS: 39,
    GET_STATUS: 40
}, Feature = {
    NET_F_MTU: 3,
    NET_F_MRG_RXBUF: 15,
    NET_F_GUEST_ANNOUNCE: 21,
    NET_F_MQ: 22,
    F_LOG_ALL: 26,
    RING_F_INDIRECT_DESC: 28,
    RING_F_EVENT_IDX: 29,
    USER_F_PROTOCOL_FEATURES: 30,
    F_VERSION_1: 32,
    F_RING_PACKED: 34,
    F_IN_ORDER: 35
}, ProtocolFeature = {
    MQ: 0,
    LOG_SHMFD: 1,
    RARP: 2,
    REPLY_ACK: 3,
    NET_MTU: 4,
    BACKEND_REQ: 5,
    BACKEND_SEND_FD: 10,
    HOST_NOTIFIER: 11,
    STATUS: 16
};

function bit(n) {
    return 1n << BigInt(n);
}

var SUPPORTED_FEATURES = bit(Feature.F_VERSION_1) | bit(Feature.F_RING_PACKED) | bit(Feature.NET_F_MRG_RXBUF) | bit(Feature.RING_F_INDIRECT_DESC) | bit(Feature.RING_F_EVENT_IDX) | bit(Feature.F_IN_ORDER) | bit(Feature.NET_F_MQ) | bit(Feature.F_LOG_ALL) | bit(Feature.USER_F_PROTOCOL_FEATURES), SUPPORTED_PROTOCOL_FEATURES = bit(ProtocolFeature.MQ) | bit(ProtocolFeature.LOG_SHMFD) | bit(ProtocolFeature.RARP) | bit(ProtocolFeature.REPLY_ACK) | bit(ProtocolFeature.BACKEND_REQ) | bit(ProtocolFeature.BACKEND_SEND_FD) | bit(ProtocolFeature.HOST_NOTIFIER) | bit(ProtocolFeature.STATUS), VRING_IDX_MASK = 255, VRING_NOFD_MASK = 256, STATE_SIZE = 8, ADDR_SIZE = 40, ADDR_INDEX = 0, ADDR_FLAGS = 4, ADDR_DESC = 8, ADDR_USED = 16, ADDR_AVAIL = 24, ADDR_LOG = 32, VRING_F_LOG = 1, LOG_SIZE = 16, LOG_PAGE = 4096, U64_SIZE = 8, MEM_HEADER_SIZE = 8, MEM_REGION_SIZE = 32, REGION_GPA = 0, REGION_SIZE = 8, REGION_UVA = 16, REGION_MMAP_OFFSET = 24, MAX_QUEUE_SIZE = 32768, MAX_VRINGS = 256, DEFAULT_QUEUE_PAIRS = 8;

import { GuestWindows } from "@nic/eal";

import { NicError, attach, closeFd, mapFd, pageSize } from "@nic/native";

var windowsByMemory = new WeakMap;

function windowsOf(memory) {
    let windows = windowsByMemory.get(memory);
    return windows === void 0 && (windows = new GuestWindows(memory), windowsByMemory.set(memory, windows)), 
    windows;
}

var GuestMemory = class {
    regions;
    u8=[];
    u16=[];
    u32=[];
    windowAddresses=[];
    apart;
    memory;
    #gpa;
    #uva;
    #size;
    #mappings=[];
    #windows=[];
    #hosts=[];
    region=-1;
    constructor(regions, source, memory) {
        let fds = "hostAddresses" in source ? [] : source, hosts = "hostAddresses" in source ? source.hostAddresses : void 0;
        if (regions.length > 8 || regions.length !== (hosts ?? fds).length) {
            for (let fd of fds) closeFd(fd);
            throw new NicError("NIC_EINVAL", `vhost memory table: ${regions.length} regions with ${(hosts ?? fds).length} fds`);
        }
        this.regions = regions;
        let n = regions.length;
        this.#gpa = new Float64Array(n), this.#uva = new Float64Array(n), this.#size = new Float64Array(n);
        try {
            for (let i = 0; i < n; i++) {
                let r = regions[i];
                for (let j = 0; j < i; j++) {
                    let o = regions[j];
                    if (r.guestPhysAddr < o.guestPhysAddr + o.size && o.guestPhysAddr < r.guestPhysAddr + r.size) throw new NicError("NIC_EINVAL", `vhost memory table: region ${i} overlaps region ${j} in guest-physical space`);
                }
                this.#gpa[i] = r.guestPhysAddr, this.#uva[i] = r.userspaceAddr, this.#size[i] = r.size;
            }
            if (hosts) {
                let windowAddresses = source.windowAddresses;
                this.apart = windowAddresses ? void 0 : "the regions it attached to are mapped apart";
                for (let i = 0; i < n; i++) this.#hosts.push(hosts[i]), windowAddresses && this.windowAddresses.push(windowAddresses[i]), 
                this.#view(attach(hosts[i], regions[i].size), 0, regions[i].size, hosts[i]);
            } else this.apart = memory === void 0 ? "no arena memory was given" : this.#mapWindows(regions, fds, memory), 
            this.apart !== void 0 ? this.#mapApart(regions, fds) : this.memory = memory;
        } catch (error) {
            throw this.unmap(), error;
        } finally {
            for (let fd of fds) closeFd(fd);
        }
    }
    #mapWindows(regions, fds, memory) {
        let windows = windowsOf(memory), page = pageSize();
        for (let i = 0; i < regions.length; i++) {
            let window, r = regions[i], lead = r.mmapOffset % page;
            try {
                window = windows.map(fds[i], {
                    offset: r.mmapOffset - lead,
                    length: lead + r.size
                });
            } catch (cause) {
                if (cause instanceof NicError && cause.code === "NIC_ENOMEM") {
                    for (let w of this.#windows) w.close();
                    return this.#windows.length = 0, this.#hosts.length = 0, this.u8.length = this.u16.length = this.u32.length = this.windowAddresses.length = 0, 
                    `region ${i} (${r.size} bytes) does not fit the arena's WebAssembly memory: ${cause.message}`;
                }
                throw new NicError("NIC_EINVAL", `vhost memory table: cannot map region ${i} (${r.size} bytes at fd offset ${r.mmapOffset})`, {
                    cause: cause
                });
            }
            this.#windows.push(window), this.windowAddresses.push(window.base + lead), this.#hosts.push(window.mapping.address + lead), 
            this.#view(window.mapping.buffer, lead, r.size, window.mapping.address + lead);
        }
    }
    #mapApart(regions, fds) {
        for (let i = 0; i < regions.length; i++) {
            let mapping, r = regions[i];
            try {
                mapping = mapFd(fds[i], {
                    offset: 0,
                    length: r.mmapOffset + r.size,
                    writable: !0
                });
            } catch (cause) {
                throw new NicError("NIC_EINVAL", `vhost memory table: cannot map region ${i} (${r.size} bytes at fd offset ${r.mmapOffset})`, {
                    cause: cause
                });
            }
            this.#mappings.push(mapping), this.#hosts.push(mapping.address + r.mmapOffset), 
            this.#view(mapping.buffer, r.mmapOffset, r.size, mapping.address + r.mmapOffset);
        }
    }
    #view(buffer, start, size, host) {
        this.u8.push(new Uint8Array(buffer, start, size));
        let aligned = host % 4 === 0;
        this.u16.push(aligned ? new Uint16Array(buffer, start, size >>> 1) : new Uint16Array(0)), 
        this.u32.push(aligned ? new Uint32Array(buffer, start, size >>> 2) : new Uint32Array(0));
    }
    gpa(addr, len) {
        let gpa = this.#gpa, size = this.#size;
        for (let i = 0; i < gpa.length; i++) {
            let off = addr - gpa[i];
            if (off >= 0 && off + len <= size[i]) return this.region = i, off;
        }
        return -1;
    }
    uva(addr, len) {
        let uva = this.#uva, size = this.#size;
        for (let i = 0; i < uva.length; i++) {
            let off = addr - uva[i];
            if (off >= 0 && off + len <= size[i]) return this.region = i, off;
        }
        return -1;
    }
    hostAddress(i) {
        if (i >= this.#hosts.length) throw new RangeError(`guest memory has no region ${i}`);
        return this.#hosts[i];
    }
    unmap() {
        for (let m of this.#mappings) m.mapped && m.unmap();
        this.#mappings.length = 0;
        for (let w of this.#windows) w.close();
        this.#windows.length = 0;
    }
};

var S_MEM_GEN = 1, S_REGIONS = 2, S_FLAGS = 3, S_RUNNING = 4, S_RARP = 5, S_LOG_ADDR_F64 = 3, S_LOG_SIZE_F64 = 4, S_LOG_WINDOW_F64 = 5, S_REGION_F64 = 6, R_GPA = 0, R_SIZE = 1, R_UVA = 2, R_HOST = 3, R_WINDOW = 4, REGION_F64 = 5;

var V_LOCK = 0, LOCK_FREE = 0, LOCK_BURST = 1;

function vhostStateSize(vrings) {
    return 376 + vrings * 80;
}

var VhostSharedState = class _VhostSharedState {
    location;
    vrings;
    h32;
    h64;
    v32=[];
    v64=[];
    rarpMac;
    constructor(location, vrings) {
        let {buffer: buffer, offset: offset} = location;
        if (offset % 8 !== 0 || offset < 0 || offset + vhostStateSize(vrings) > buffer.byteLength) throw new RangeError(`vhost shared state: ${vhostStateSize(vrings)} bytes at ${offset} do not fit an 8-aligned place in ${buffer.byteLength}`);
        this.location = location, this.vrings = vrings, this.h32 = new Int32Array(buffer, offset, 94), 
        this.h64 = new Float64Array(buffer, offset, 47), this.rarpMac = new Uint8Array(buffer, offset + 368, 6);
        for (let i = 0; i < vrings; i++) {
            let at = offset + 376 + i * 80;
            this.v32.push(new Int32Array(buffer, at, 20)), this.v64.push(new Float64Array(buffer, at, 10));
        }
    }
    static local(vrings) {
        return new _VhostSharedState({
            buffer: new SharedArrayBuffer(vhostStateSize(vrings)),
            offset: 0
        }, vrings);
    }
    lockAll() {
        if (!(this.#depth++ > 0)) for (let v of this.v32) for (;Atomics.compareExchange(v, 0, 0, 2) !== 0; ) ;
    }
    unlockAll() {
        if (!(--this.#depth > 0)) {
            Atomics.add(this.h32, 0, 1);
            for (let v of this.v32) Atomics.store(v, 0, 0);
        }
    }
    announce(mac) {
        this.rarpMac.set(mac.subarray(0, 6)), Atomics.store(this.h32, 5, 1);
    }
    takeAnnouncement() {
        return this.h32[5] !== 0 && Atomics.compareExchange(this.h32, 5, 1, 0) === 1;
    }
    cancelAnnouncement() {
        Atomics.store(this.h32, 5, 0);
    }
    #depth=0;
};

var DESC_SIZE = 16, DESC_F_NEXT = 1, DESC_F_WRITE = 2, DESC_F_INDIRECT = 4;

var DirtyLog = class {
    bytes=new Uint8Array(0);
    on=!1;
    window=-1;
    set(log, on, window = -1) {
        this.bytes = log ?? new Uint8Array(0), this.on = on && log !== void 0, this.window = log === void 0 ? -1 : window;
    }
    mark(gpa, len) {
        if (len <= 0) return;
        let log = this.bytes, last = Math.floor((gpa + len - 1) / 4096);
        for (let page = Math.floor(gpa / 4096); page <= last; page++) {
            let byte = Math.floor(page / 8);
            if (byte >= log.length) return;
            Atomics.or(log, byte, 1 << page % 8);
        }
    }
};

var NET_HDR_SIZE = 12, NET_HDR_SIZE_LEGACY = 10, PacketCopy = class {
    #a8=new Uint8Array(0);
    #a16=new Uint16Array(0);
    #a32=new Uint32Array(0);
    hdr=12;
    log;
    #mbufs;
    #pool;
    #head=0;
    #seg=0;
    #dst=0;
    #room=0;
    #segLen=0;
    #segs=1;
    #skip=0;
    #total=0;
    #src=0;
    #srcSeg=0;
    #segStart=0;
    #segEnd=0;
    #nbLo=new Uint8Array(2);
    #nbLoAt=0;
    #nbHi=new Uint8Array(2);
    #nbHiAt=1;
    constructor(log) {
        this.log = log;
    }
    bind(arena) {
        this.#a8 !== arena.u8 && (this.#a8 = arena.u8, this.#a16 = arena.u16, this.#a32 = arena.u32);
    }
    startRead(mbufs, pool, h) {
        this.#mbufs = mbufs, this.#pool = pool, this.#head = h, this.#openSegment(h), this.#segs = 1, 
        this.#skip = this.hdr, this.#total = 0;
    }
    #openSegment(h) {
        let a16 = this.#a16;
        this.#seg = h, this.#dst = this.#a32[h + 0 >>> 2] + 128, this.#room = a16[h + 46 >>> 1] - 128, 
        this.#segLen = 0, a16[h + 12 >>> 1] = 128;
    }
    read(g8, g32, off, len) {
        if (this.#skip > 0) {
            let s = this.#skip < len ? this.#skip : len;
            this.#skip -= s, off += s, len -= s;
        }
        if (len === 0) return !0;
        if (this.#total + len > 65549) return !1;
        for (;len > 0; ) {
            if (this.#room === 0) {
                let next = this.#mbufs.alloc(this.#pool);
                if (next === 0 || (this.#a16[this.#seg + 36 >>> 1] = this.#segLen, this.#a32[this.#seg + 52 >>> 2] = next, 
                this.#segs++, this.#openSegment(next), this.#room <= 0)) return !1;
            }
            let c = len < this.#room ? len : this.#room;
            copyIn(g8, g32, off, this.#a8, this.#a32, this.#dst, c), this.#dst += c, this.#room -= c, 
            this.#segLen += c, this.#total += c, off += c, len -= c;
        }
        return !0;
    }
    endRead() {
        if (this.#skip > 0 || this.#total === 0) return 0;
        let h = this.#head;
        return this.#a16[this.#seg + 36 >>> 1] = this.#segLen, this.#a16[h + 16 >>> 1] = this.#segs, 
        this.#a32[h + 32 >>> 2] = this.#total, this.#total;
    }
    abortRead() {
        let h = this.#head, next = this.#a32[h + 52 >>> 2];
        next !== 0 && (this.#a32[h + 52 >>> 2] = 0, this.#mbufs.free(next));
    }
    startWrite(h) {
        let a16 = this.#a16;
        return this.#srcSeg = h, this.#src = this.#a32[h + 0 >>> 2] + a16[h + 12 >>> 1], 
        this.#segStart = 0, this.#segEnd = a16[h + 36 >>> 1], this.#a32[h + 52 >>> 2] === 0 ? this.#segEnd : this.#a32[h + 32 >>> 2];
    }
    write(g8, g32, off, dlen, gpa, done, len) {
        let hdr = this.hdr, need = hdr + len, pos = 0;
        if (done === 0 && hdr === 12 && dlen >= 12 && (off & 3) === 0 && g32.length > 0) {
            let w = off >>> 2;
            g32[w] = 0, g32[w + 1] = 0, g32[w + 2] = 0, this.#nbLo = g8, this.#nbLoAt = off + 10, 
            this.#nbHi = g8, this.#nbHiAt = off + 10 + 1, pos = 12, done = 12;
        }
        for (;done < hdr && pos < dlen; ) done === 10 ? (this.#nbLo = g8, this.#nbLoAt = off + pos) : done === 11 && (this.#nbHi = g8, 
        this.#nbHiAt = off + pos), g8[off + pos] = 0, pos++, done++;
        if (pos < dlen && done < need) {
            let c = need - done < dlen - pos ? need - done : dlen - pos;
            this.#copyOut(done - hdr, g8, g32, off + pos, c), done += c, pos += c;
        }
        return this.log.on && this.log.mark(gpa, pos), done;
    }
    #copyOut(p, g8, g32, to, c) {
        let a16 = this.#a16, a32 = this.#a32;
        for (;c > 0; ) {
            if (p >= this.#segEnd) {
                let next = a32[this.#srcSeg + 52 >>> 2];
                if (next === 0) return;
                this.#srcSeg = next, this.#segStart = this.#segEnd, this.#segEnd += a16[next + 36 >>> 1], 
                this.#src = a32[next + 0 >>> 2] + a16[next + 12 >>> 1];
                continue;
            }
            let n = this.#segEnd - p < c ? this.#segEnd - p : c;
            copyOut(this.#a8, a32, this.#src + (p - this.#segStart), g8, g32, to, n), p += n, 
            to += n, c -= n;
        }
    }
    setNumBuffers(count) {
        this.#nbLo[this.#nbLoAt] = count & 255, this.#nbHi[this.#nbHiAt] = count >>> 8;
    }
};

function copyIn(g8, g32, src, a8, a32, dst, len) {
    let i = 0;
    if ((3 & (src | dst)) === 0 && g32.length > 0) {
        let sw = src >>> 2, dw = dst >>> 2, words = len >>> 2;
        for (let w = 0; w < words; w++) a32[dw + w] = g32[sw + w];
        i = words << 2;
    }
    for (;i < len; i++) a8[dst + i] = g8[src + i];
}

function copyOut(a8, a32, src, g8, g32, dst, len) {
    let i = 0;
    if ((3 & (src | dst)) === 0 && g32.length > 0) {
        let sw = src >>> 2, dw = dst >>> 2, words = len >>> 2;
        for (let w = 0; w < words; w++) g32[dw + w] = a32[sw + w];
        i = words << 2;
    }
    for (;i < len; i++) g8[dst + i] = a8[src + i];
}

import { eventfdWrite } from "@nic/native";

import { WASM_PAGE_SIZE, wasmKernel } from "@nic/eal";

var split_ring_default = new Uint8Array(Buffer.from("AGFzbQEAAAABIwVgA39+fgF+YAN/f38AYAN/fn8AYAN/f38Bf2AEf39/fwF/Ah4CA2VudgZtZW1vcnkCAwGAgAQDZW52BGJhc2UDfwADBgUAAQIDBAcVAgdkZXF1ZXVlAAMHZW5xdWV1ZQAECp0LBWgCAn8CfiAAQcAAaiEDIAMgACgCFEEFdGohBAJAA0AgAyAETw0BIAEgAykDAH0hBSADKQMIIQYgASADKQMAWiAFIAZYIAIgBiAFfVhxcQRAIAMoAhCtIAV8DwsgA0EgaiEDDAALC0J/C3oBAX8gAkGAAk8EQCAAIAEgAvwKAAAPCyAAIAJBeHFqIQMCQANAIAAgA08NASAAIAEpAAA3AAAgAEEIaiEAIAFBCGohAQwACwsgAyACQQdxaiEDAkADQCAAIANPDQEgACABLQAAOgAAIABBAWohACABQQFqIQEMAAsLC2kCAX8DfiAAKAIkIQMgA0UgAkVyBEAPCyABQgyIIQQgASACQQFrrXxCDIghBQJAA0AgBCAFVg0BIARCA4ghBiAGIAAoAiitWg0BIAMgBqdqQQEgBEIHg6d0/jUAABogBEIBfCEEDAALCwvdAwMPfwF+B38gACgCACEDIANBAWshBCAAKAIEIQUgACgCCCEGIAAoAgwhByAAKAIYIQggACgCHCEJIAAoAiAhCgJAA0AgCyACTw0BIAkgBSAEcUEBdGovAQQhDCAMIANPDQEgASALQQJ0aigCACMAaiEWIBYoAgAjAGpBgAFqIRcgFi8BLkGAAWshGCAYQQBMDQEgDCENQQAhDiAHIRNBACEVA0AgDiADTw0CIAggDUEEdGohDyAPLwEMIRAgEEEGcQ0CIA8oAgghESAAIA8pAwAgEa0QACESIBJCf1ENAiATIBEgEyARSRshFCATIBRrIRMgESAUayERIBEEQCARIBggFWtLDQMgFyAVaiASpyAUaiAREAEgFSARaiEVCyAQQQFxBEAgDy8BDiENIA0gA08NAyAOQQFqIQ4MAQsLIBMgFUVyDQEgFkGAATsBDCAWQQE7ARAgFkH//wM7ARIgFkIANwIUIBZBADYCHCAWIBU2AiAgFiAVOwEkIBZBADsBJiAWQQA7ASwgFkEANgI0IAogBiAEcUEDdGohGSAZIAw2AgQgGUEANgIIIAVBAWpB//8DcSEFIAZBAWpB//8DcSEGIAtBAWohCwwACwsgACAFNgIEIAAgBjYCCCALC+0EBBp/AX4EfwF+IAAoAgAhBCAEQQFrIQUgACgCBCEGIAAoAgghByAAKAIMIQggACgCECEJIAAoAhghCiAAKAIcIQsgACgCICEMAkADQCANIAJPDQEgASANQQJ0aigCACMAaiEOIA4oAjQNASAOLwEkIRAgDigCACMAaiAOLwEMaiEPIAggEGohEUEAIRJBACETIAYhFCAHIRUDQCAGIANGBEAgFCEGIBUhBwwDCyALIAYgBXFBAXRqLwEEIRcgFyAETwRAIBQhBiAVIQcMAwsgFyEYQQAhGSASISECQANAIBkgBE8EQCAUIQYgFSEHDAULIAogGEEEdGohGiAaLwEMIRsgGigCCCEcIBopAwAhIyAAICMgHK0QACEeIBtBBnFBAkcgHkJ/USASRSAcIAhJcXJyBEAgFCEGIBUhBwwFCyAepyEdQQAhHyASRQRAIB1CADcAACAIQQxGBEAgHUEANgAIBSAdQQA7AAgLIB1BCmohFiAIIR8gCCESCyARIBJrISAgHCAfayAgSQRAIBwgH2shIAsgHSAfaiAPIBIgCGtqICAQASASICBqIRIgACAjIB8gIGoQAiASIBFPDQEgG0EBcUUNASAaLwEOIRggGCAETwRAIBQhBiAVIQcMBQsgGUEBaiEZDAALCyAJRSASIBFJcQRAIBQhBiAVIQcMAwsgDCAHIAVxQQN0aiEiICIgFzYCBCAiIBIgIWs2AgggBkEBakH//wNxIQYgB0EBakH//wNxIQcgE0EBaiETIBIgEUkNAAsgCQRAIBYgEzsBAAsgDUEBaiENDAALCyAAIAY2AgQgACAHNgIIIA0L", "base64"));

var pages = new WeakMap;

function takeRecord(memory) {
    let page = pages.get(memory);
    if (page === void 0 || page.next + 2048 > page.end) {
        let start = memory.grow(1) * WASM_PAGE_SIZE;
        page = {
            next: start,
            end: start + WASM_PAGE_SIZE
        }, pages.set(memory, page);
    }
    let rec = page.next;
    return page.next += 2048, rec;
}

var SplitKernel = class {
    memory;
    rec;
    i32;
    slots;
    dequeue;
    enqueue;
    constructor(arena) {
        this.memory = arena.wasm.memory, this.rec = takeRecord(this.memory), this.i32 = new Int32Array(this.memory.buffer, this.rec, 80), 
        this.slots = new Uint32Array(this.memory.buffer, this.rec + 320, 256);
        let kernel = wasmKernel(split_ring_default, arena);
        this.dequeue = kernel.dequeue, this.enqueue = kernel.enqueue;
    }
    setRegions(gpa, size, windows) {
        let i32 = this.i32;
        i32[5] = gpa.length;
        for (let i = 0; i < gpa.length; i++) {
            let w = 64 + i * 32 >>> 2;
            i32[w] = gpa[i] % 4294967296, i32[w + 1] = Math.floor(gpa[i] / 4294967296), i32[w + 2] = size[i] % 4294967296, 
            i32[w + 3] = Math.floor(size[i] / 4294967296), i32[w + 4] = windows[i];
        }
    }
};

var USED_F_NO_NOTIFY = 1;

function availSize(num) {
    return 4 + 2 * num + 2;
}

function usedSize(num) {
    return 4 + 8 * num + 2;
}

var SplitRing = class {
    #copy;
    #v32;
    la=0;
    lu=0;
    #num=0;
    #d32=new Uint32Array(0);
    #d16=new Uint16Array(0);
    #descW=0;
    #a16=new Uint16Array(0);
    #availH=0;
    #u16=new Uint16Array(0);
    #u32=new Uint32Array(0);
    #usedH=0;
    #usedW=0;
    #mrg=!1;
    #eventIdx=!1;
    #indirect=!1;
    usedLog=-1;
    #chainBad=!1;
    #t32=new Uint32Array(0);
    #t16=new Uint16Array(0);
    #tW=0;
    #tNum=0;
    #kernel;
    #kernelStale=!0;
    #k;
    kernelPackets=0;
    #mem;
    #descAt=0;
    #availAt=0;
    #usedAt=0;
    constructor(copy, v32) {
        this.#copy = copy, this.#v32 = v32;
    }
    map(mem, a, num, index, negotiated) {
        if ((num & num - 1) !== 0) return `vring ${index}: a split ring's size must be a power of 2, not ${num}`;
        let desc = mem.uva(a.desc, num * 16), descRegion = mem.region;
        if (desc < 0 || desc % 16 !== 0) return `vring ${index}: descriptor table at 0x${a.desc.toString(16)} (${num} entries) is not inside guest memory, 16-byte aligned`;
        let avail = mem.uva(a.avail, availSize(num)), availRegion = mem.region;
        if (avail < 0 || avail % 2 !== 0) return `vring ${index}: avail ring at 0x${a.avail.toString(16)} is not inside guest memory, 2-byte aligned`;
        let used = mem.uva(a.used, usedSize(num)), usedRegion = mem.region;
        if (used < 0 || used % 4 !== 0) return `vring ${index}: used ring at 0x${a.used.toString(16)} is not inside guest memory, 4-byte aligned`;
        if (mem.u32[descRegion].length === 0) return `vring ${index}: its region is not 4-byte aligned in the fd`;
        this.#d32 = mem.u32[descRegion], this.#d16 = mem.u16[descRegion], this.#descW = desc >>> 2, 
        this.#a16 = mem.u16[availRegion], this.#availH = avail >>> 1, this.#u16 = mem.u16[usedRegion], 
        this.#u32 = mem.u32[usedRegion], this.#usedH = used >>> 1, this.#usedW = used >>> 2, 
        this.#mrg = negotiated.mrgRxbuf, this.#eventIdx = negotiated.eventIdx, this.#indirect = negotiated.indirect, 
        this.#num = num, this.#mem = mem;
        let windows = mem.windowAddresses;
        windows.length > 0 && (this.#descAt = windows[descRegion] + desc, this.#availAt = windows[availRegion] + avail, 
        this.#usedAt = windows[usedRegion] + used), this.#kernelStale = !0;
    }
    prepare(arena, on) {
        if (!on) {
            this.#k = void 0;
            return;
        }
        let k = this.#kernel;
        if ((k === void 0 || k.memory !== arena.wasm.memory) && (k = this.#kernel = new SplitKernel(arena), 
        this.#kernelStale = !0), this.#kernelStale) {
            let mem = this.#mem, i32 = k.i32;
            i32[0] = this.#num, i32[3] = this.#copy.hdr, i32[4] = this.#mrg ? 1 : 0, i32[6] = this.#descAt, 
            i32[7] = this.#availAt, i32[8] = this.#usedAt, k.setRegions(mem.regions.map(r => r.guestPhysAddr), mem.regions.map(r => r.size), mem.windowAddresses), 
            this.#kernelStale = !1;
        }
        let log = this.#copy.log;
        k.i32[9] = log.on ? log.window : 0, k.i32[10] = log.bytes.length, this.#k = k;
    }
    begin(lastAvail, lastUsed) {
        return this.la = lastAvail & 65535, this.lu = lastUsed & 65535, !0;
    }
    logUsed(offset, length) {
        let log = this.#copy.log;
        log.on && this.usedLog >= 0 && length > 0 && log.mark(this.usedLog + offset, length);
    }
    setNotification(on, lastAvail) {
        if (!this.#eventIdx) Atomics.store(this.#u16, this.#usedH, on ? 0 : 1); else if (on) Atomics.store(this.#u16, this.#usedH + 2 + 4 * this.#num, lastAvail & 65535); else return;
        this.logUsed(0, usedSize(this.#num));
    }
    availCount(lastAvail) {
        return Atomics.load(this.#a16, this.#availH + 1) - lastAvail & 65535;
    }
    dequeue(mem, mbufs, pool, out, n, offset) {
        let num = this.#num, mask = num - 1, avail = Atomics.load(this.#a16, this.#availH + 1) - this.la & 65535;
        avail > num && (avail = num);
        let k = this.#k, want = avail < n ? avail : n;
        k && want > 256 && (want = 256);
        let buf = k ? k.slots : out, at = k ? 0 : offset;
        if (want === 0 || (k ? pool.getBulk(buf, want, at) : mbufs.allocBulk(pool, buf, want, at)) !== 0) return 0;
        let copy = this.#copy, delivered = 0;
        for (let i = 0; i < want; i++) {
            if (k) {
                let got = this.#kernelDequeue(k, delivered, want - i);
                if (delivered += got, i += got, i === want) break;
            }
            let head = this.#a16[this.#availH + 2 + (this.la & mask)];
            this.la = this.la + 1 & 65535, k && mbufs.reset(buf[at + delivered]), copy.startRead(mbufs, pool, buf[at + delivered]);
            let r = this.#readChain(mem, head);
            if (this.#used(head, 0), r > 0 && copy.endRead() > 0) {
                delivered++;
                continue;
            }
            r >= 0 && this.#v32[4]++, copy.abortRead();
        }
        if (delivered < want && mbufs.freeBulk(buf, want - delivered, at + delivered), k) for (let j = 0; j < delivered; j++) out[offset + j] = buf[j];
        return this.#publish(), delivered;
    }
    #kernelDequeue(k, slot, want) {
        let i32 = k.i32;
        i32[1] = this.la, i32[2] = this.lu;
        let got = k.dequeue(k.rec, k.rec + 320 + slot * 4, want);
        return this.la = i32[1], this.lu = i32[2], this.kernelPackets += got, got;
    }
    enqueue(mem, handles, n, offset) {
        let num = this.#num, mask = num - 1, mrg = this.#mrg, copy = this.#copy, hdr = copy.hdr, availIdx = Atomics.load(this.#a16, this.#availH + 1), end = (availIdx - this.la & 65535) > num ? this.la + num & 65535 : availIdx, burstUsed = this.lu, k = this.#k;
        if (k) {
            n > 256 && (n = 256);
            for (let j = 0; j < n; j++) k.slots[j] = handles[offset + j];
            handles = k.slots, offset = 0;
        }
        let placed = 0;
        for (;placed < n && this.la !== end; ) {
            if (k) {
                let i32 = k.i32;
                i32[1] = this.la, i32[2] = this.lu;
                let got = k.enqueue(k.rec, k.rec + 320 + placed * 4, n - placed, end);
                if (placed += got, this.kernelPackets += got, this.la = i32[1], this.lu = i32[2], 
                placed === n || this.la === end) break;
            }
            let len = copy.startWrite(handles[offset + placed]), need = hdr + len, firstAvail = this.la, firstUsed = this.lu, done = 0, buffers = 0;
            for (;done < need && this.la !== end; ) {
                let head = this.#a16[this.#availH + 2 + (this.la & mask)], next = this.#writeChain(mem, head, len, done);
                if (next < 0 || !mrg && next < need) break;
                this.la = this.la + 1 & 65535, this.#used(head, next - done), done = next, buffers++;
            }
            if (done === need) {
                mrg && copy.setNumBuffers(buffers), placed++;
                continue;
            }
            if (this.lu = firstUsed, this.#chainBad) {
                this.la = firstAvail;
                for (let k2 = 0; k2 <= buffers; k2++) this.#used(this.#a16[this.#availH + 2 + (this.la & mask)], 0), 
                this.la = this.la + 1 & 65535;
                placed++;
                continue;
            }
            this.la !== end && this.#v32[4]++, this.la = firstAvail;
            break;
        }
        return this.lu !== burstUsed && this.#publish(), placed;
    }
    #startChain(mem, head) {
        if (head >= this.#num) return -1;
        this.#t32 = this.#d32, this.#t16 = this.#d16, this.#tW = this.#descW, this.#tNum = this.#num;
        let w = this.#descW + head * 4;
        if ((this.#d16[6 + (w << 1)] & 4) === 0) return head;
        if (!this.#indirect) return -1;
        let len = this.#d32[w + 2];
        if (len === 0 || len % 16 !== 0 || len / 16 > 65535) return -1;
        let addr = this.#d32[w] + this.#d32[w + 1] * 4294967296, off = mem.gpa(addr, len);
        return off < 0 || off % 16 !== 0 || mem.u32[mem.region].length === 0 ? -1 : (this.#t32 = mem.u32[mem.region], 
        this.#t16 = mem.u16[mem.region], this.#tW = off >>> 2, this.#tNum = len / 16, 0);
    }
    #readChain(mem, head) {
        let d = this.#startChain(mem, head);
        if (d < 0) return this.#bad();
        let t32 = this.#t32, t16 = this.#t16, copy = this.#copy;
        for (let steps = 0; ;steps++) {
            if (steps >= this.#tNum) return this.#bad();
            let w = this.#tW + d * 4, flags = t16[6 + (w << 1)];
            if ((flags & 6) !== 0) return this.#bad();
            let len = t32[w + 2], addr = t32[w] + t32[w + 1] * 4294967296, off = mem.gpa(addr, len);
            if (off < 0) return this.#bad();
            if (!copy.read(mem.u8[mem.region], mem.u32[mem.region], off, len)) return 0;
            if ((flags & 1) === 0) return 1;
            if (d = t16[7 + (w << 1)], d >= this.#tNum) return this.#bad();
        }
    }
    #writeChain(mem, head, len, done) {
        this.#chainBad = !1;
        let d = this.#startChain(mem, head);
        if (d < 0) return this.#badChain();
        let t32 = this.#t32, t16 = this.#t16, copy = this.#copy, need = copy.hdr + len;
        for (let steps = 0; done < need; steps++) {
            if (steps >= this.#tNum) return this.#badChain();
            let w = this.#tW + d * 4, flags = t16[6 + (w << 1)];
            if ((flags & 6) !== 2) return this.#badChain();
            let dlen = t32[w + 2], addr = t32[w] + t32[w + 1] * 4294967296, off = mem.gpa(addr, dlen);
            if (off < 0) return this.#badChain();
            if (done = copy.write(mem.u8[mem.region], mem.u32[mem.region], off, dlen, addr, done, len), 
            done >= need || (flags & 1) === 0) break;
            if (d = t16[7 + (w << 1)], d >= this.#tNum) return this.#badChain();
        }
        return done;
    }
    #badChain() {
        return this.#chainBad = !0, this.#bad();
    }
    #bad() {
        return this.#v32[3]++, -1;
    }
    #used(head, len) {
        let slot = this.#usedW + 1 + 2 * (this.lu & this.#num - 1);
        this.#u32[slot] = head, this.#u32[slot + 1] = len, this.lu = this.lu + 1 & 65535;
    }
    #publish() {
        let num = this.#num, lastUsed = this.lu, old = this.#u16[this.#usedH + 1];
        Atomics.store(this.#u16, this.#usedH + 1, lastUsed), this.logUsed(0, usedSize(num));
        let callFd = this.#v32[7];
        if (callFd < 0) return;
        let notify;
        if (this.#eventIdx) {
            let usedEvent = this.#a16[this.#availH + 2 + num];
            notify = (lastUsed - usedEvent - 1 & 65535) < (lastUsed - old & 65535);
        } else notify = (this.#a16[this.#availH] & 1) === 0;
        notify && eventfdWrite(callFd, 1);
    }
};

import { attach as attach2 } from "@nic/native";

import { eventfdWrite as eventfdWrite2 } from "@nic/native";

var DESC_F_AVAIL = 128, DESC_F_USED = 32768;

var PackedRing = class {
    #copy;
    #v32;
    #num=0;
    #d32=new Uint32Array(0);
    #d16=new Uint16Array(0);
    #descH=0;
    #descGpa=0;
    #drv16=new Uint16Array(0);
    #drvH=0;
    #dev16=new Uint16Array(0);
    #devH=0;
    #devGpa=0;
    #mrg=!1;
    #eventIdx=!1;
    #indirect=!1;
    usedLog=-1;
    #ai=0;
    #aw=1;
    #ui=0;
    #uw=1;
    #sId=new Uint16Array(0);
    #sLen=new Uint32Array(0);
    #sCount=new Uint16Array(0);
    #ns=0;
    #id=0;
    #count=0;
    constructor(copy, v32) {
        this.#copy = copy, this.#v32 = v32;
    }
    get la() {
        return this.#ai | this.#aw << 15;
    }
    get lu() {
        return this.#ui | this.#uw << 15;
    }
    map(mem, a, num, index, negotiated) {
        let desc = mem.uva(a.desc, num * 16), descRegion = mem.region;
        if (desc < 0 || desc % 16 !== 0 || mem.u32[descRegion].length === 0) return `vring ${index}: packed descriptor ring at 0x${a.desc.toString(16)} (${num} entries) is not inside guest memory, 16-byte aligned`;
        let drv = mem.uva(a.avail, 4), drvRegion = mem.region;
        if (drv < 0 || drv % 4 !== 0 || mem.u16[drvRegion].length === 0) return `vring ${index}: driver event area at 0x${a.avail.toString(16)} is not inside guest memory, 4-byte aligned`;
        let dev = mem.uva(a.used, 4), devRegion = mem.region;
        if (dev < 0 || dev % 4 !== 0 || mem.u16[devRegion].length === 0) return `vring ${index}: device event area at 0x${a.used.toString(16)} is not inside guest memory, 4-byte aligned`;
        this.#d32 = mem.u32[descRegion], this.#d16 = mem.u16[descRegion], this.#descH = desc >>> 1, 
        this.#descGpa = mem.regions[descRegion].guestPhysAddr + desc, this.#drv16 = mem.u16[drvRegion], 
        this.#drvH = drv >>> 1, this.#dev16 = mem.u16[devRegion], this.#devH = dev >>> 1, 
        this.#devGpa = mem.regions[devRegion].guestPhysAddr + dev, this.#mrg = negotiated.mrgRxbuf, 
        this.#eventIdx = negotiated.eventIdx, this.#indirect = negotiated.indirect, this.#num !== num && (this.#sId = new Uint16Array(num), 
        this.#sLen = new Uint32Array(num), this.#sCount = new Uint16Array(num)), this.#num = num;
    }
    begin(lastAvail, lastUsed) {
        return this.#ai = lastAvail & 32767, this.#aw = lastAvail >>> 15 & 1, this.#ui = lastUsed & 32767, 
        this.#uw = lastUsed >>> 15 & 1, this.#ns = 0, this.#ai < this.#num && this.#ui < this.#num;
    }
    logUsed(offset, length) {
        let log = this.#copy.log;
        log.on && length > 0 && log.mark(this.#descGpa + offset, length);
    }
    setNotification(on, lastAvail) {
        let dev = this.#dev16, h = this.#devH;
        on ? this.#eventIdx ? (dev[h] = lastAvail & 65535, Atomics.store(dev, h + 1, 2)) : Atomics.store(dev, h + 1, 0) : Atomics.store(dev, h + 1, 1);
        let log = this.#copy.log;
        log.on && log.mark(this.#devGpa, 4);
    }
    availCount(lastAvail) {
        let i = lastAvail & 32767, w = lastAvail >>> 15 & 1, k = 0;
        if (i >= this.#num) return 0;
        for (;k < this.#num && this.#available(Atomics.load(this.#d16, this.#descH + i * 8 + 7), w); ) k++, 
        ++i === this.#num && (i = 0, w ^= 1);
        return k;
    }
    #available(flags, w) {
        return (flags >>> 7 & 1) === w && flags >>> 15 !== w;
    }
    #countChains(n) {
        let d16 = this.#d16, num = this.#num, i = this.#ai, w = this.#aw, chains = 0, k = 0;
        for (;k < num && chains < n; k++) {
            let flags = k === 0 ? Atomics.load(d16, this.#descH + i * 8 + 7) : d16[this.#descH + i * 8 + 7];
            if (!this.#available(flags, w)) break;
            (flags & 1) === 0 && chains++, ++i === num && (i = 0, w ^= 1);
        }
        return chains === 0 && k > 0 ? 1 : chains;
    }
    #consume(len) {
        let s = this.#ns++;
        this.#sId[s] = this.#id, this.#sLen[s] = len, this.#sCount[s] = this.#count, this.#ai += this.#count, 
        this.#ai >= this.#num && (this.#ai -= this.#num, this.#aw ^= 1);
    }
    dequeue(mem, mbufs, pool, out, n, offset) {
        let want = this.#countChains(n);
        if (want === 0 || mbufs.allocBulk(pool, out, want, offset) !== 0) return 0;
        let copy = this.#copy, delivered = 0;
        for (let i = 0; i < want && this.#available(Atomics.load(this.#d16, this.#descH + this.#ai * 8 + 7), this.#aw); i++) {
            copy.startRead(mbufs, pool, out[offset + delivered]);
            let r = this.#walk(mem, !1, 0, 0);
            if (this.#consume(0), r > 0 && copy.endRead() > 0) {
                delivered++;
                continue;
            }
            this.#v32[r < 0 ? 3 : 4]++, copy.abortRead();
        }
        return delivered < want && mbufs.freeBulk(out, want - delivered, offset + delivered), 
        this.#flush(), delivered;
    }
    enqueue(mem, handles, n, offset) {
        let copy = this.#copy, d16 = this.#d16, hdr = copy.hdr, placed = 0;
        for (;placed < n && this.#available(Atomics.load(d16, this.#descH + this.#ai * 8 + 7), this.#aw); ) {
            let len = copy.startWrite(handles[offset + placed]), need = hdr + len, firstAi = this.#ai, firstAw = this.#aw, firstNs = this.#ns, done = 0, buffers = 0, bad = !1;
            for (;done < need && this.#available(Atomics.load(d16, this.#descH + this.#ai * 8 + 7), this.#aw); ) {
                let next = this.#walk(mem, !0, len, done);
                if (next < 0) {
                    bad = !0, this.#consume(0);
                    break;
                }
                if (!this.#mrg && next < need) break;
                this.#consume(next - done), done = next, buffers++;
            }
            if (done === need && !bad) {
                this.#mrg && copy.setNumBuffers(buffers), placed++;
                continue;
            }
            if (bad) {
                this.#v32[3]++;
                for (let s = firstNs; s < this.#ns; s++) this.#sLen[s] = 0;
                placed++;
                continue;
            }
            this.#available(Atomics.load(d16, this.#descH + this.#ai * 8 + 7), this.#aw) && this.#v32[4]++, 
            this.#ai = firstAi, this.#aw = firstAw, this.#ns = firstNs;
            break;
        }
        return this.#flush(), placed;
    }
    #walk(mem, write, len, done) {
        let d16 = this.#d16, d32 = this.#d32, num = this.#num, need = this.#copy.hdr + len, result = write ? done : 1, i = this.#ai, w = this.#aw, count = 0;
        for (;;) {
            if (count === num) {
                result = -1;
                break;
            }
            let h = this.#descH + i * 8, flags = d16[h + 7];
            if (count > 0 && !this.#available(flags, w)) {
                result = -1;
                break;
            }
            if (this.#id = d16[h + 6], count++, ++i === num && (i = 0, w ^= 1), this.#more(write, result, need)) {
                let q = h >>> 1;
                result = (flags & 4) !== 0 ? this.#indirectTable(mem, flags, d32[q], d32[q + 1], d32[q + 2], write, len, result) : this.#buffer(mem, flags, d32[q] + d32[q + 1] * 4294967296, d32[q + 2], write, len, result);
            }
            if ((flags & 1) === 0) break;
        }
        return this.#count = count, result;
    }
    #buffer(mem, flags, addr, dlen, write, len, at) {
        if ((flags & 2) !== (write ? 2 : 0)) return -1;
        let off = mem.gpa(addr, dlen);
        if (off < 0) return -1;
        let r = mem.region;
        return write ? this.#copy.write(mem.u8[r], mem.u32[r], off, dlen, addr, at, len) : this.#copy.read(mem.u8[r], mem.u32[r], off, dlen) ? 1 : 0;
    }
    #indirectTable(mem, flags, lo, hi, tlen, write, len, at) {
        if (!this.#indirect || (flags & 1) !== 0 || tlen === 0 || tlen % 16 !== 0 || tlen / 16 > this.#num) return -1;
        let off = mem.gpa(lo + hi * 4294967296, tlen);
        if (off < 0 || off % 16 !== 0) return -1;
        let t16 = mem.u16[mem.region], t32 = mem.u32[mem.region];
        if (t32.length === 0) return -1;
        let need = this.#copy.hdr + len, n = tlen / 16, result = at;
        for (let k = 0; k < n && this.#more(write, result, need); k++) {
            let q = (off >>> 2) + k * 4, f = t16[2 * q + 7];
            if ((f & 4) !== 0) return -1;
            write || (f &= -3), result = this.#buffer(mem, f, t32[q] + t32[q + 1] * 4294967296, t32[q + 2], write, len, result);
        }
        return result;
    }
    #more(write, result, need) {
        return write ? result >= 0 && result < need : result === 1;
    }
    #flush() {
        let ns = this.#ns;
        if (ns === 0) return;
        let d16 = this.#d16, d32 = this.#d32, num = this.#num, log = this.#copy.log, oldUi = this.#ui, i = this.#ui, w = this.#uw, firstAt = 0, firstFlags = 0;
        for (let s = 0; s < ns; s++) {
            let h = this.#descH + i * 8;
            d32[(h >>> 1) + 2] = this.#sLen[s], d16[h + 6] = this.#sId[s];
            let flags = w === 1 ? 32896 : 0;
            s === 0 ? (firstAt = h + 7, firstFlags = flags) : d16[h + 7] = flags, log.on && log.mark(this.#descGpa + i * 16, 16), 
            i += this.#sCount[s], i >= num && (i -= num, w ^= 1);
        }
        Atomics.store(d16, firstAt, firstFlags), this.#ui = i, this.#uw = w, this.#ns = 0;
        let callFd = this.#v32[7];
        callFd >= 0 && this.#wantsCall(oldUi, i, w) && eventfdWrite2(callFd, 1);
    }
    #wantsCall(old, now, w) {
        let flags = this.#drv16[this.#drvH + 1];
        if (flags === 1) return !1;
        if (flags !== 2 || !this.#eventIdx) return !0;
        let offWrap = this.#drv16[this.#drvH], off = offWrap & 32767;
        return offWrap >>> 15 !== w && (off -= this.#num), now <= old && (old -= this.#num), 
        (now - off - 1 & 65535) < (now - old & 65535);
    }
};

var Virtqueue = class _Virtqueue {
    index;
    addresses;
    kickFd=-1;
    errFd=-1;
    kicked=!1;
    #state;
    #v32;
    #v64;
    #replica;
    #gen=-1;
    #memGen=0;
    #logAddr=0;
    #log=new DirtyLog;
    #copy=new PacketCopy(this.#log);
    #split;
    #packedRing;
    #ring;
    #mem;
    #attached;
    #attachedLog;
    constructor(index, state = VhostSharedState.local(index + 1), replica = !1) {
        this.index = index, this.#state = state, this.#v32 = state.v32[index], this.#v64 = state.v64[index], 
        this.#replica = replica, this.#split = new SplitRing(this.#copy, this.#v32), this.#packedRing = new PackedRing(this.#copy, this.#v32), 
        replica || (this.#v32[7] = -1);
    }
    static attach(state, index) {
        return new _Virtqueue(index, state, !0);
    }
    get num() {
        return this.#v32[5];
    }
    set num(value) {
        this.#v32[5] = value;
    }
    get lastAvail() {
        return this.#v32[1];
    }
    set lastAvail(value) {
        this.#v32[1] = value;
    }
    get lastUsed() {
        return this.#v32[2];
    }
    set lastUsed(value) {
        this.#v32[2] = value;
    }
    get packed() {
        return this.#ring === this.#packedRing;
    }
    get enabled() {
        return this.#v32[6] !== 0;
    }
    set enabled(value) {
        this.#v32[6] = value ? 1 : 0;
    }
    get callFd() {
        return this.#v32[7];
    }
    set callFd(value) {
        this.#v32[7] = value;
    }
    get errors() {
        return this.#v32[3];
    }
    get dropped() {
        return this.#v32[4];
    }
    get kernelPackets() {
        return this.#split.kernelPackets;
    }
    clearCounters() {
        this.#v32[3] = 0, this.#v32[4] = 0;
    }
    setAddresses(a) {
        this.addresses = a;
        let v64 = this.#v64;
        this.#v32[8] = a ? 1 : 0, this.#v32[9] = a ? a.flags : 0, v64[6] = a ? a.desc : 0, 
        v64[7] = a ? a.avail : 0, v64[8] = a ? a.used : 0, v64[9] = a ? a.log : 0;
    }
    get ready() {
        return this.#mem !== void 0 && (this.kickFd >= 0 || this.kicked) && this.enabled;
    }
    #enter() {
        let v = this.#v32;
        if (Atomics.compareExchange(v, 0, 0, 1) !== 0) return;
        this.#replica && this.#gen !== Atomics.load(this.#state.h32, 0) && this.#follow();
        let ring = this.#ring;
        if (!this.#mem || !ring || v[6] === 0 || !ring.begin(v[1], v[2])) {
            Atomics.store(v, 0, 0);
            return;
        }
        return ring;
    }
    #kernelUsable(arena) {
        let mem = this.#mem;
        return mem.windowAddresses.length === 0 || this.#log.on && this.#log.window < 0 ? !1 : this.#replica ? this.#state.location.buffer === arena.buffer : mem.memory === arena.wasm.memory;
    }
    #leave(ring) {
        let v = this.#v32;
        v[1] = ring.la, v[2] = ring.lu, Atomics.store(v, 0, 0);
    }
    #follow() {
        let state = this.#state, h32 = state.h32, h64 = state.h64;
        if (this.#gen = h32[0], this.#mem = void 0, h32[1] !== this.#memGen) {
            this.#memGen = h32[1], this.#attached = void 0;
            let n = h32[2];
            if (n > 0) {
                let regions = [], hosts = [], windows = [];
                for (let i = 0; i < n; i++) {
                    let r = 6 + i * 5;
                    regions.push({
                        guestPhysAddr: h64[r + 0],
                        size: h64[r + 1],
                        userspaceAddr: h64[r + 2],
                        mmapOffset: 0
                    }), hosts.push(h64[r + 3]), h64[r + 4] >= 0 && windows.push(h64[r + 4]);
                }
                this.#attached = new GuestMemory(regions, {
                    hostAddresses: hosts,
                    windowAddresses: windows.length === n ? windows : void 0
                });
            }
        }
        let flags = h32[3], logAddr = h64[3];
        logAddr !== this.#logAddr && (this.#logAddr = logAddr, this.#attachedLog = logAddr === 0 ? void 0 : new Uint8Array(attach2(logAddr, h64[4])));
        let v32 = this.#v32, v64 = this.#v64;
        this.addresses = v32[8] === 0 ? void 0 : {
            flags: v32[9],
            desc: v64[6],
            avail: v64[7],
            used: v64[8],
            log: v64[9]
        }, this.#attached && (this.map(this.#attached, {
            hdrSize: (flags & 1) !== 0 ? 12 : 10,
            mrgRxbuf: (flags & 2) !== 0,
            eventIdx: (flags & 4) !== 0,
            indirect: (flags & 8) !== 0,
            packed: (flags & 64) !== 0
        }), this.setLog(this.#attachedLog, (flags & 16) !== 0, h64[5]));
    }
    static flags(features, logging) {
        return (features.hdrSize === 12 ? 1 : 0) | (features.mrgRxbuf ? 2 : 0) | (features.eventIdx ? 4 : 0) | (features.indirect ? 8 : 0) | (features.packed === !0 ? 64 : 0) | (logging ? 16 : 0);
    }
    map(mem, negotiated) {
        this.#mem = void 0, this.#ring = void 0;
        let a = this.addresses;
        if (!a || this.num === 0) return;
        let ring = negotiated.packed === !0 ? this.#packedRing : this.#split, error = ring.map(mem, a, this.num, this.index, negotiated);
        if (error) return error;
        this.#copy.hdr = negotiated.hdrSize, this.#ring = ring, this.#mem = mem;
    }
    setLog(log, on, window = -1) {
        this.#log.set(log, on, window);
        let a = this.addresses, usedLog = a && (a.flags & 1) !== 0 ? a.log : -1;
        this.#split.usedLog = usedLog, this.#packedRing.usedLog = usedLog;
    }
    logUsed(offset, length) {
        (this.#ring ?? this.#split).logUsed(offset, length);
    }
    unmap() {
        this.#mem = void 0, this.#ring = void 0;
    }
    setNotification(on) {
        this.#mem && this.#ring.setNotification(on, this.lastAvail);
    }
    guestNotification(on) {
        let v = this.#v32;
        for (;Atomics.compareExchange(v, 0, 0, 1) !== 0; ) ;
        try {
            return this.#replica && this.#gen !== Atomics.load(this.#state.h32, 0) && this.#follow(), 
            !this.#mem || v[6] === 0 ? !1 : (this.setNotification(on), !0);
        } finally {
            Atomics.store(v, 0, 0);
        }
    }
    availCount() {
        return this.#mem ? this.#ring.availCount(this.lastAvail) : 0;
    }
    dequeueBurst(arena, mbufs, pool, out, n, offset) {
        let ring = this.#enter();
        if (!ring) return 0;
        this.#copy.bind(arena), ring === this.#split && this.#split.prepare(arena, this.#kernelUsable(arena));
        let got = ring.dequeue(this.#mem, mbufs, pool, out, n, offset);
        return this.#leave(ring), got;
    }
    enqueueBurst(arena, handles, n, offset) {
        let ring = this.#enter();
        if (!ring) return 0;
        this.#copy.bind(arena), ring === this.#split && this.#split.prepare(arena, this.#kernelUsable(arena));
        let placed = ring.enqueue(this.#mem, handles, n, offset);
        return this.#leave(ring), placed;
    }
};

export { HEADER_SIZE, HDR_REQUEST, HDR_FLAGS, HDR_SIZE, FLAG_VERSION, FLAG_VERSION_MASK, FLAG_REPLY, FLAG_NEED_REPLY, REPLY_FLAGS, MAX_FDS, MAX_MEM_REGIONS, MAX_PAYLOAD, Request, Feature, ProtocolFeature, bit, SUPPORTED_FEATURES, SUPPORTED_PROTOCOL_FEATURES, VRING_IDX_MASK, VRING_NOFD_MASK, STATE_SIZE, ADDR_SIZE, ADDR_INDEX, ADDR_FLAGS, ADDR_DESC, ADDR_USED, ADDR_AVAIL, ADDR_LOG, VRING_F_LOG, LOG_SIZE, LOG_PAGE, U64_SIZE, MEM_HEADER_SIZE, MEM_REGION_SIZE, REGION_GPA, REGION_SIZE, REGION_UVA, REGION_MMAP_OFFSET, MAX_QUEUE_SIZE, MAX_VRINGS, DEFAULT_QUEUE_PAIRS, windowsOf, GuestMemory, S_MEM_GEN, S_REGIONS, S_FLAGS, S_RUNNING, S_RARP, S_LOG_ADDR_F64, S_LOG_SIZE_F64, S_LOG_WINDOW_F64, S_REGION_F64, R_GPA, R_SIZE, R_UVA, R_HOST, R_WINDOW, REGION_F64, V_LOCK, LOCK_FREE, LOCK_BURST, vhostStateSize, VhostSharedState, DESC_SIZE, DESC_F_NEXT, DESC_F_WRITE, DESC_F_INDIRECT, DESC_F_AVAIL, DESC_F_USED, NET_HDR_SIZE, NET_HDR_SIZE_LEGACY, USED_F_NO_NOTIFY, availSize, usedSize, Virtqueue };//# sourceMappingURL=chunk-VBAQGHE3.js.map