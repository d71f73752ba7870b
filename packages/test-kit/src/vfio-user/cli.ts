/**
 * `nic-vfio-user --model igb|ixgbe|x540|ifcvf --socket PATH [--mac MAC] [--udp-peer PORT]`: serves
 * one modelled function at PATH (`ifcvf`: an Intel IFC VF, virtio-net with Intel's subsystem ids
 * and the live-migration block in BAR4) until SIGINT/SIGTERM. With `--udp-peer`, the port's cable is a
 * UDP socket on 127.0.0.1 sending to PORT (one frame per datagram, as QEMU's dgram netdev);
 * the line `udp-wire <local port>` tells the peer where to send. It prints `listening PATH`
 * once QEMU may connect, and one line per client connecting and going.
 */
import { parseArgs } from 'node:util';
import { NicError } from '@nic/native';
import { IgbModel } from '../igb/model.js';
import { IfcvfModel } from '../ifcvf/model.js';
import { IxgbeModel } from '../ixgbe/model.js';
import { parseMac } from '../model/mac.js';
import { UdpWire } from '../model/udp-wire.js';
import { VfioUserServer } from './server.js';

const USAGE = 'usage: nic-vfio-user --model igb|ixgbe|x540|ifcvf --socket PATH [--mac aa:bb:cc:dd:ee:ff] [--udp-peer PORT]';

/** The model `kind` names. */
function makeModel(kind: string, mac: string | undefined): IgbModel | IxgbeModel | IfcvfModel {
  const name = `${kind} vfio-user`;
  if (kind === 'igb') return new IgbModel({ name, mac });
  if (kind === 'ixgbe') return new IxgbeModel({ name, mac });
  if (kind === 'x540') return new IxgbeModel({ name, mac, device: 'x540' });
  if (kind === 'ifcvf') return new IfcvfModel({ name, mac: mac === undefined ? undefined : [...parseMac(mac, name)] });
  throw new NicError('NIC_EINVAL', `nic-vfio-user: unknown model "${kind}" (igb, ixgbe, x540 or ifcvf)`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { model: { type: 'string' }, socket: { type: 'string' }, mac: { type: 'string' }, 'udp-peer': { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help === true || values.model === undefined || values.socket === undefined) {
    console.log(USAGE);
    process.exitCode = values.help === true ? 0 : 2;
    return;
  }
  const model = makeModel(values.model, values.mac);
  let wire: UdpWire | undefined;
  if (values['udp-peer'] !== undefined) {
    wire = await UdpWire.open(model, { remotePort: Number(values['udp-peer']) });
    console.log(`udp-wire ${wire.localPort}`);
  }
  const server = new VfioUserServer(values.socket, model);
  server.onConnect = () => console.log('client connected');
  server.onDisconnect = (error) => console.log(`client gone${error ? `: ${error.message}` : ''}`);
  const stop = (): void => {
    server.close();
    wire?.close();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  console.log(`listening ${server.path}`);
}

main().catch((error: unknown) => {
  console.error(`nic-vfio-user: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
