// Registering telemetry commands: who may register a command twice, and who may not.
import { afterEach, describe, expect, it } from 'vitest';
import { registerTelemetryCommand, telemetryCommand, unregisterTelemetryCommand, type TelemetryHandler } from './commands.js';

const COMMAND = '/commands-test/one';
afterEach(() => void unregisterTelemetryCommand(COMMAND));

describe('registerTelemetryCommand', () => {
  const first: TelemetryHandler = () => 1;
  const second: TelemetryHandler = () => 2;

  it('takes the same command from the same owner again (another copy of that package), keeping the first handler', () => {
    registerTelemetryCommand(COMMAND, first, 'One. Takes no parameters', '@nic/copied');
    registerTelemetryCommand(COMMAND, second, 'One. Takes no parameters', '@nic/copied');
    expect(telemetryCommand(COMMAND)?.handler).toBe(first);
  });

  it('refuses another handler from another owner, or from no owner, naming the owner it has', () => {
    registerTelemetryCommand(COMMAND, first, 'One. Takes no parameters', '@nic/first');
    expect(() => registerTelemetryCommand(COMMAND, second, 'One. Takes no parameters', '@nic/second')).toThrow(
      expect.objectContaining({ code: 'NIC_EEXIST', message: expect.stringContaining('@nic/first') }),
    );
    expect(() => registerTelemetryCommand(COMMAND, second, 'One. Takes no parameters')).toThrow(expect.objectContaining({ code: 'NIC_EEXIST' }));
    expect(telemetryCommand(COMMAND)?.handler).toBe(first);
  });

  it('refuses an owner that is not a string', () => {
    expect(() => registerTelemetryCommand(COMMAND, first, 'One', 7 as unknown as string)).toThrow(TypeError);
    expect(telemetryCommand(COMMAND)).toBeUndefined();
  });
});
