// The raw addon for the safety children: NIC_ADDON (the sanitizer build) or the normal build.
const path = require('node:path');

const a = require(process.env.NIC_ADDON ?? path.join(__dirname, '../../../build/Release/nic_native.node'));
a.setErrorFactory((code, message, errno, syscall) => Object.assign(new Error(message), { code, errno, syscall }));

/** Runs `fn`, returning its result, or the thrown error's code (or name). */
function attempt(fn) {
  try {
    return { value: fn() };
  } catch (e) {
    return { error: e.code ?? e.name };
  }
}

/** A connected seqpacket pair on a socket path unique to this child. */
function seqpacketPair(tag) {
  const sock = path.join(require('node:os').tmpdir(), `nic-native-safety-${tag}-${process.pid}.sock`);
  const l = a.unixListen(sock, 'seqpacket', 4);
  const c = a.unixConnect(sock, 'seqpacket');
  const s = a.unixAccept(l);
  a.close(l);
  require('node:fs').unlinkSync(sock);
  return [c, s];
}

async function collect() {
  for (let i = 0; i < 5; i++) {
    globalThis.gc();
    await new Promise((res) => setTimeout(res, 10));
  }
}

module.exports = { a, attempt, seqpacketPair, collect };
