/** The text `nic-vdpa -- --help` prints. */
import { MAX_SOCKET_PATH } from './options.js';

/** The usage of nic-vdpa's application arguments, for `program`. */
export function vdpaUsage(program: string): string {
  return `Usage: ${program} [EAL options] -- [--iface <prefix>] [--client] [-i|--interactive] [--virtio-vf]

Serves vDPA devices on vhost-user sockets, like DPDK's dpdk-vdpa example: the frontend
(a guest's virtio-net driver, DPDK's net_virtio_user) keeps its rings and the device
moves packets by DMA; ${program} runs only the control path. Name each device with the
EAL option -a <bdf>,vdpa=1 (add sw-live-migration=1 to migrate without IFC's hardware
dirty logging). EAL options are DPDK's (${program} -h lists them).

Application options:
  --iface <prefix>     socket path prefix: device n is served on <prefix>n
                       (required without -i; at most ${MAX_SOCKET_PATH - 4} bytes)
  --client             connect to frontends that listen (vhost-user client mode)
  -i, --interactive    read commands from stdin instead of serving every device
  --virtio-vf          also take QEMU's virtio-net-pci and virtio-blk-pci (1af4:1041,
                       1af4:1042, subsystem 1af4:1100) as VF stand-ins; only their
                       standard virtio structures are used
  -h, --help           this text

Interactive commands:
  help                          this list
  list                          every vDPA device: name, queues, features, protocol features
  create <socket> <bdf>         serve device <bdf> on vhost-user socket <socket>
  stats <bdf> <qid>             counters of vring <qid> of device <bdf> (0xffff: every vring)
  quit                          stop every device and exit

Without -i, ${program} serves every probed device and runs until it reads q on
stdin, or SIGINT or SIGTERM.
`;
}
