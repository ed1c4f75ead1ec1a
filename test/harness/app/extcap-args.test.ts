/** The extcap's command line as Wireshark 4.x builds it: values spaced or after '=', unknown options refused. */
import { describe, expect, test } from '@jest/globals';
import { ConfigError } from '../../../core/errors.js';
import { parseExtcapArgs } from '../../../harness/app/extcap.js';

describe('parseExtcapArgs', () => {
  test('a capture call with the interface, fifo, our options and the capture filter', () => {
    expect(
      parseExtcapArgs(['--capture', '--extcap-interface', 'csmp-hil', '--fifo', '/tmp/wsfifo', '--extcap-capture-filter', 'udp port 61628', '--link=/dev/ttyUSB0', '--baud', '9600']),
    ).toEqual({ mode: 'capture', iface: 'csmp-hil', fifo: '/tmp/wsfifo', link: '/dev/ttyUSB0', baud: 9600, captureFilter: 'udp port 61628' });
    // Without --capture, Wireshark is checking the filter as the user types it.
    expect(parseExtcapArgs(['--extcap-interface', 'csmp-hil', '--extcap-capture-filter', 'tcp'])).toEqual({ mode: 'validate', iface: 'csmp-hil', baud: 115200, captureFilter: 'tcp' });
  });

  test('the discovery calls, with the Wireshark version given either way', () => {
    expect(parseExtcapArgs(['--extcap-interfaces', '--extcap-version=4.0.17'])).toEqual({ mode: 'interfaces', baud: 115200 });
    expect(parseExtcapArgs(['--extcap-version', '4.0.17', '--extcap-interfaces'])).toEqual({ mode: 'interfaces', baud: 115200 });
    expect(parseExtcapArgs(['--extcap-dlts', '--extcap-interface', 'csmp-hil'])).toEqual({ mode: 'dlts', iface: 'csmp-hil', baud: 115200 });
    expect(parseExtcapArgs(['--extcap-version'])).toEqual({ mode: 'version', baud: 115200 });
  });

  test('a bad baud, a missing value and an unknown option are typed errors naming the option', () => {
    expect(() => parseExtcapArgs(['--baud', 'fast'])).toThrow(new ConfigError('--baud', 'value', "'fast' is not a baud rate"));
    expect(() => parseExtcapArgs(['--fifo'])).toThrow(ConfigError);
    expect(() => parseExtcapArgs(['--fifo'])).toThrow(/--fifo.*needs a value/);
    expect(() => parseExtcapArgs(['--transmit'])).toThrow(/--transmit.*is not an extcap option/);
  });
});
