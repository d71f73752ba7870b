import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Eal } from '@nic/eal';
import { closeFakeIntrs } from './__fixtures__/fake-pmd.js';
import { testEal } from './__fixtures__/eal.js';
import { close, EthEvent, portCallbackRegister, portCallbackUnregister, portIdByName, setLinkDown, setLinkUp } from './index.js';

let eal: Eal;
let port: number;
let seen: string[];

const record = (p: number, event: EthEvent, tag: string): void => {
  seen.push(`${tag} ${p} ${event}`);
};

beforeEach(async () => {
  eal = await testEal();
  port = portIdByName('net_fake0');
  seen = [];
});

afterEach(async () => {
  portCallbackUnregister('all', EthEvent.NEW, record);
  portCallbackUnregister('all', EthEvent.DESTROY, record);
  await eal.cleanup();
  closeFakeIntrs();
});

describe('port event callbacks', () => {
  it('deliver link status changes the driver reports, once per change', () => {
    portCallbackRegister(port, EthEvent.INTR_LSC, record, 'lsc');
    setLinkUp(port);
    setLinkUp(port);
    setLinkDown(port);
    expect(seen).toEqual([`lsc ${port} ${EthEvent.INTR_LSC}`, `lsc ${port} ${EthEvent.INTR_LSC}`]);
  });

  it('do not register the same callback, argument and event twice, and unregister', () => {
    portCallbackRegister(port, EthEvent.INTR_LSC, record, 'a');
    portCallbackRegister(port, EthEvent.INTR_LSC, record, 'a');
    portCallbackRegister(port, EthEvent.INTR_LSC, record, 'b');
    setLinkUp(port);
    expect(seen).toHaveLength(2);
    expect(portCallbackUnregister(port, EthEvent.INTR_LSC, record, 'a')).toBe(1);
    expect(portCallbackUnregister(port, EthEvent.INTR_LSC, record)).toBe(1);
    setLinkDown(port);
    expect(seen).toHaveLength(2);
  });

  it("reach ports created later when registered for 'all', with NEW and DESTROY", async () => {
    portCallbackRegister('all', EthEvent.NEW, record, 'new');
    portCallbackRegister('all', EthEvent.DESTROY, record, 'destroy');
    await eal.vdev.attach('net_fake1');
    const other = portIdByName('net_fake1');
    close(other);
    close(port);
    expect(seen).toEqual([`new ${other} ${EthEvent.NEW}`, `destroy ${other} ${EthEvent.DESTROY}`, `destroy ${port} ${EthEvent.DESTROY}`]);
  });

  it('drop the callbacks of a port when it is released', async () => {
    portCallbackRegister(port, EthEvent.INTR_LSC, record, 'old');
    close(port);
    await eal.vdev.detach('net_fake0');
    await eal.vdev.attach('net_fake0');
    setLinkUp(portIdByName('net_fake0'));
    expect(seen).toEqual([]);
  });

  it('refuse unknown events and ports', () => {
    expect(() => portCallbackRegister(port, 99 as EthEvent, record, 'x')).toThrow(/unknown port event 99/);
    expect(() => portCallbackRegister(9, EthEvent.INTR_LSC, record, 'x')).toThrow(expect.objectContaining({ code: 'NIC_ENODEV' }));
  });
});
