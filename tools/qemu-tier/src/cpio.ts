/**
 * The "newc" cpio format, the one the kernel unpacks an initramfs from: a 110-byte ASCII
 * header per entry (magic `070701`, then 13 eight-digit hex fields), the NUL-terminated name,
 * the data, each padded to four bytes, and a `TRAILER!!!` entry at the end.
 */

/** File type bits of `st_mode`. */
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

const MAGIC = '070701';
const TRAILER = 'TRAILER!!!';
const ALIGNMENT = 4;

/** One entry of an archive: a directory, a regular file (`data`) or a symbolic link (`target`). */
export type CpioEntry =
  | { readonly type: 'dir'; readonly path: string; readonly mode: number }
  | { readonly type: 'file'; readonly path: string; readonly mode: number; readonly data: Uint8Array }
  | { readonly type: 'symlink'; readonly path: string; readonly target: string };

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}

function padding(length: number): Buffer {
  return Buffer.alloc((ALIGNMENT - (length % ALIGNMENT)) % ALIGNMENT);
}

function record(ino: number, mode: number, path: string, data: Uint8Array): Buffer[] {
  const name = Buffer.from(`${path}\0`);
  // ino mode uid gid nlink mtime filesize devmajor devminor rdevmajor rdevminor namesize check
  const fields = [ino, mode, 0, 0, 1, 0, data.length, 0, 0, 0, 0, name.length, 0];
  const header = Buffer.from(MAGIC + fields.map(hex8).join(''));
  return [header, name, padding(header.length + name.length), Buffer.from(data), padding(data.length)];
}

/**
 * The archive of `entries`, in their order (a directory before what it holds), owned by root,
 * with modification time 0 so that equal contents give equal bytes. Paths are relative
 * (`bin/busybox`).
 */
export function cpioArchive(entries: readonly CpioEntry[]): Buffer {
  const parts = entries.flatMap((entry, i) => {
    const ino = i + 1;
    switch (entry.type) {
      case 'dir':
        return record(ino, S_IFDIR | entry.mode, entry.path, new Uint8Array(0));
      case 'file':
        return record(ino, S_IFREG | entry.mode, entry.path, entry.data);
      case 'symlink':
        return record(ino, S_IFLNK | 0o777, entry.path, Buffer.from(entry.target));
    }
  });
  return Buffer.concat([...parts, ...record(0, 0, TRAILER, new Uint8Array(0))]);
}
