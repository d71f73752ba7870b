import { createSocket, type Socket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { until } from '@nic/native/testing';
import { IgbModel } from '../igb/model.js';
import { WIRE_MAX_FRAME, WIRE_MIN_FRAME } from './frame.js';
import { UDP_WIRE_HOST, UdpWire } from './udp-wire.js';
import type { WirePort } from './wire.js';

/** A port that records what reaches it, and transmits on demand. */
function fakePort(): WirePort & { got: Uint8Array[]; transmit(frame: Uint8Array): void } {
  const listeners = new Set<(frame: Uint8Array) => void>();
  const got: Uint8Array[] = [];
  return {
    got,
    receiveFrame(frame) {
      got.push(Uint8Array.from(frame));
      return 'delivered';
    },
    onTransmit(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setLink() {},
    transmit(frame) {
      for (const l of listeners) l(frame);
    },
  };
}

const open: (Socket | UdpWire)[] = [];

async function peer(): Promise<{ socket: Socket; got: Uint8Array[] }> {
  const socket = createSocket('udp4');
  open.push(socket);
  const got: Uint8Array[] = [];
  socket.on('message', (m) => got.push(Uint8Array.from(m)));
  await new Promise<void>((resolve) => socket.bind(0, UDP_WIRE_HOST, resolve));
  return { socket, got };
}

afterEach(() => {
  for (const o of open.splice(0)) o.close();
});

describe('UdpWire', () => {
  it('carries one frame per datagram each way between a port and its UDP peer, in order', async () => {
    const port = fakePort();
    const far = await peer();
    const wire = await UdpWire.open(port, { remotePort: far.socket.address().port });
    open.push(wire);
    const frames = Array.from({ length: 20 }, (_, i) => Uint8Array.from({ length: 60 + i }, (_, b) => (b + i) & 0xff));
    for (const f of frames) far.socket.send(f, wire.localPort, UDP_WIRE_HOST);
    await until('the port to receive 20 frames', () => port.got.length === 20);
    expect(port.got).toEqual(frames);
    for (const f of frames) port.transmit(f);
    await until('the peer to receive 20 frames', () => far.got.length === 20);
    expect(far.got).toEqual(frames);
    expect([wire.received, wire.sent, wire.errors]).toEqual([20, 20, 0]);
    wire.close();
    port.transmit(frames[0]);
    expect(wire.sent).toBe(20);
  });

  it('drops and counts a datagram no cable carries (below 14 or above 16383 bytes) instead of handing it to the port, which would throw', async () => {
    // A real model port: its receiveFrame throws NIC_EINVAL for such a frame, and inside the
    // socket's message event that throw would end the process (nic-vfio-user --udp-peer).
    const model = new IgbModel();
    const far = await peer();
    const wire = await UdpWire.open(model, { remotePort: far.socket.address().port });
    open.push(wire);
    const sizes = [0, 1, WIRE_MIN_FRAME - 1, WIRE_MAX_FRAME + 1, 60000, WIRE_MIN_FRAME, 60];
    for (const size of sizes) far.socket.send(new Uint8Array(size), wire.localPort, UDP_WIRE_HOST);
    await until('every datagram counted', () => wire.refused + wire.received === sizes.length);
    expect([wire.refused, wire.received]).toEqual([5, 2]);
  });

  it('refuses what is not a model port and a peer port outside 1-65535', async () => {
    await expect(UdpWire.open({} as WirePort, { remotePort: 9 })).rejects.toThrow(TypeError);
    for (const remotePort of [0, 65536, 1.5, Number.NaN]) {
      await expect(UdpWire.open(fakePort(), { remotePort })).rejects.toThrow(/remotePort must be 1 to 65535/);
    }
  });
});
