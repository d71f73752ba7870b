/**
 * Configuration-space access. Three backends share one interface: the sysfs `config` file
 * (what UIO-bound and unbound devices use), a region of a file descriptor (VFIO's config
 * region on the device fd), and a byte image (recorded dumps, tests). All values are little
 * endian, as on the bus.
 */
import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';
import { NicError, pread, pwrite } from '@nic/native';

/** Read access to a configuration space. */
export interface PciConfigReader {
  /** Size of the space in bytes (256, or 4096 with PCIe extended space). */
  readonly size: number;
  /** `length` bytes from `offset`. Out of bounds is `NIC_EINVAL`; a short read `NIC_EIO`. */
  read(offset: number, length: number): Uint8Array;
  readU8(offset: number): number;
  readU16(offset: number): number;
  readU32(offset: number): number;
}

/** Read and write access to a configuration space. */
export interface PciConfigSpace extends PciConfigReader {
  /** Whether writes are allowed; when not, every write is `NIC_EPERM` saying why. */
  readonly writable: boolean;
  /** Writes `data` at `offset`. */
  write(offset: number, data: Uint8Array): void;
  writeU8(offset: number, value: number): void;
  writeU16(offset: number, value: number): void;
  writeU32(offset: number, value: number): void;
}

const U8 = 1;
const U16 = 2;
const U32 = 4;

/** Shared bounds checks, integer packing and the write guard. */
abstract class ConfigSpaceBase implements PciConfigSpace {
  readonly size: number;
  /** Names the space in messages (a file path, a device). */
  protected readonly label: string;
  readonly #refusal: string | undefined;

  /** `refusal`: why writes are refused; undefined allows them. */
  constructor(label: string, size: number, refusal: string | undefined) {
    this.label = label;
    this.size = size;
    this.#refusal = refusal;
  }

  get writable(): boolean {
    return this.#refusal === undefined;
  }

  read(offset: number, length: number): Uint8Array {
    this.#check(offset, length);
    const out = new Uint8Array(length);
    const got = this.readInto(offset, out);
    if (got !== length) {
      throw new NicError('NIC_EIO', `${this.label}: read ${got} of ${length} bytes at 0x${offset.toString(16)} (without root, only the first 64 bytes of sysfs config are readable)`);
    }
    return out;
  }

  readU8(offset: number): number {
    return this.read(offset, U8)[0];
  }

  readU16(offset: number): number {
    const b = this.read(offset, U16);
    return b[0] | (b[1] << 8);
  }

  readU32(offset: number): number {
    const b = this.read(offset, U32);
    return (b[0] | (b[1] << 8) | (b[2] << 16) | (b[3] << 24)) >>> 0;
  }

  write(offset: number, data: Uint8Array): void {
    if (this.#refusal !== undefined) throw new NicError('NIC_EPERM', `${this.label}: not writing config space: ${this.#refusal}`);
    this.#check(offset, data.length);
    const put = this.writeFrom(offset, data);
    if (put !== data.length) throw new NicError('NIC_EIO', `${this.label}: wrote ${put} of ${data.length} bytes at 0x${offset.toString(16)}`);
  }

  writeU8(offset: number, value: number): void {
    this.write(offset, Uint8Array.of(value & 0xff));
  }

  writeU16(offset: number, value: number): void {
    this.write(offset, Uint8Array.of(value & 0xff, (value >>> 8) & 0xff));
  }

  writeU32(offset: number, value: number): void {
    this.write(offset, Uint8Array.of(value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff));
  }

  /** Fills `out` from `offset`; returns the bytes read. */
  protected abstract readInto(offset: number, out: Uint8Array): number;
  /** Writes `data` at `offset`; returns the bytes written. */
  protected abstract writeFrom(offset: number, data: Uint8Array): number;

  #check(offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.size) {
      throw new NicError('NIC_EINVAL', `${this.label}: access of ${length} bytes at ${offset} is outside the ${this.size}-byte config space`);
    }
  }
}

/** A configuration space held in memory (a recorded dump, a test image). */
class ImageConfigSpace extends ConfigSpaceBase {
  readonly #bytes: Uint8Array;

  constructor(bytes: Uint8Array, label: string, refusal: string | undefined) {
    super(label, bytes.length, refusal);
    this.#bytes = bytes;
  }

  protected readInto(offset: number, out: Uint8Array): number {
    out.set(this.#bytes.subarray(offset, offset + out.length));
    return out.length;
  }

  protected writeFrom(offset: number, data: Uint8Array): number {
    this.#bytes.set(data, offset);
    return data.length;
  }
}

/**
 * A configuration space over `bytes` (not copied: writes change it). Read-only unless
 * `writable` is set.
 */
export function configImage(bytes: Uint8Array, options: { label?: string; writable?: boolean } = {}): PciConfigSpace {
  return new ImageConfigSpace(bytes, options.label ?? 'config image', options.writable ? undefined : 'the image is read-only');
}

/** A file opened per access: the sysfs `config` attribute. */
class FileConfigSpace extends ConfigSpaceBase {
  protected readInto(offset: number, out: Uint8Array): number {
    return this.#withFd('r', (fd) => readSync(fd, out, 0, out.length, offset));
  }

  protected writeFrom(offset: number, data: Uint8Array): number {
    return this.#withFd('r+', (fd) => writeSync(fd, data, 0, data.length, offset));
  }

  #withFd(flags: string, io: (fd: number) => number): number {
    let fd: number;
    try {
      fd = openSync(this.label, flags);
    } catch (e) {
      throw ioError(this.label, 'open', e);
    }
    try {
      return io(fd);
    } catch (e) {
      throw ioError(this.label, flags === 'r' ? 'pread' : 'pwrite', e);
    } finally {
      closeSync(fd);
    }
  }
}

/**
 * The sysfs `config` file of a device. Its size is the file's (256 or 4096). Writes are
 * refused with `refusal` when one is given.
 */
export function sysfsConfig(path: string, refusal?: string): PciConfigSpace {
  let size: number;
  try {
    size = statSync(path).size;
  } catch (e) {
    throw ioError(path, 'stat', e);
  }
  return new FileConfigSpace(path, size, refusal);
}

/** A window `[base, base + size)` of an open file descriptor (VFIO's config region). */
class FdConfigSpace extends ConfigSpaceBase {
  readonly #fd: number;
  readonly #base: number;

  constructor(fd: number, base: number, size: number, label: string, refusal: string | undefined) {
    super(label, size, refusal);
    this.#fd = fd;
    this.#base = base;
  }

  protected readInto(offset: number, out: Uint8Array): number {
    return pread(this.#fd, out, this.#base + offset);
  }

  protected writeFrom(offset: number, data: Uint8Array): number {
    return pwrite(this.#fd, data, this.#base + offset);
  }
}

/**
 * The configuration space as a region of an open file descriptor, read and written with
 * pread/pwrite at `base + offset` (VFIO exposes it on the device fd at the config region's
 * offset). The fd stays the caller's; a refused system call is the native NicError.
 */
export function fdConfig(fd: number, base: number, size: number, label: string, refusal?: string): PciConfigSpace {
  return new FdConfigSpace(fd, base, size, label, refusal);
}

function ioError(what: string, syscall: string, e: unknown): NicError {
  const err = e as NodeJS.ErrnoException;
  return new NicError('NIC_EIO', `${what}: ${syscall} failed: ${err.message}`, {
    cause: e,
    syscall,
    ...(err.errno === undefined ? {} : { errno: Math.abs(err.errno) }),
  });
}
