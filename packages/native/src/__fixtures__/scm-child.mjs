// Child process of the SCM_RIGHTS test: connects to the parent's unix socket, receives a
// file descriptor of a temp file and an eventfd, reads the file and signals the eventfd.
import { readSync } from 'node:fs';
import { closeFd, eventfdWrite, unixConnect, unixRecvmsg, watchFd } from '@nic/native';

const sock = unixConnect(process.argv[2]);
const buffer = new Uint8Array(64);
const watcher = watchFd(sock, () => {
  const { bytes, fds, fdsTruncated } = unixRecvmsg(sock, buffer, 4);
  if (bytes <= 0) return;
  watcher.close();
  const [file, event] = fds;
  const text = new Uint8Array(32);
  const read = readSync(file, text, 0, text.length, 0);
  eventfdWrite(event, 77);
  fds.forEach(closeFd);
  closeFd(sock);
  process.send({ message: Buffer.from(buffer.subarray(0, bytes)).toString(), fdCount: fds.length, fdsTruncated,
    file: Buffer.from(text.subarray(0, read)).toString() }, () => process.exit(0));
});
