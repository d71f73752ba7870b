// Finding 12: the unlink of a hugetlbfs backing file is checked. A file left in the mount
// keeps its pages after the process is gone, so a refused unlink must fail the allocation,
// naming the file, rather than hand out memory that outlives the process. The directory here
// refuses removals (append-only, `chattr +a`): hugetlbfs has no such attribute, and the addon
// takes the directory as given, so an ordinary one stands in for the mount.
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { a } = require('./addon.cjs');

const HUGE = 2 ** 21;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nic-native-safety-unlink-'));
execFileSync('chattr', ['+a', dir]);
let refused;
try {
  const r = a.allocHugepages(HUGE, HUGE, dir, false, undefined);
  refused = { method: r.method };
} catch (e) {
  refused = { error: e.code, syscall: e.syscall, message: e.message };
}
const left = fs.readdirSync(dir);
execFileSync('chattr', ['-a', dir]);
fs.rmSync(dir, { recursive: true });
console.log(
  JSON.stringify({
    error: refused.error,
    syscall: refused.syscall,
    left: left.length,
    named: left.length === 1 && refused.message !== undefined && refused.message.includes(path.join(dir, left[0])),
  }),
);
