import type { Command } from 'commander';
import { ConfigError, ResourceError } from '../../../core/errors.js';
import { extcapConfig, extcapDlts, extcapInterfaces, parseExtcapArgs, runExtcapCapture, validateCaptureFilter, EXTCAP_INTERFACE, EXTCAP_VERSION } from '../../app/extcap.js';
import { processStop } from '../cli-context.js';

/** What Wireshark runs (installed by `hil wireshark --extcap`); not for people, so hidden. */
export function registerExtcap(program: Command, exit: (code: number) => never | void): void {
  program
    .command('extcap', { hidden: true })
    .description('the Wireshark extcap protocol (run by Wireshark/tshark)')
    .helpOption(false)
    .allowUnknownOption()
    .argument('[args...]')
    .action(async (_args: string[], _opts: unknown, cmd: Command) => {
      const err = (s: string): void => void process.stderr.write(`hil extcap: ${s}\n`);
      try {
        const a = parseExtcapArgs(cmd.args);
        if (a.mode === 'interfaces') process.stdout.write(extcapInterfaces());
        else if (a.mode === 'version') process.stdout.write(`${EXTCAP_VERSION}\n`);
        else if (a.mode === 'dlts') process.stdout.write(extcapDlts());
        else if (a.mode === 'config') process.stdout.write(extcapConfig());
        else if (a.mode === 'validate') process.stdout.write(validateCaptureFilter(a.captureFilter!));
        else if (a.mode === 'capture') {
          if (a.iface !== undefined && a.iface !== EXTCAP_INTERFACE) throw new ConfigError('--extcap-interface', 'value', `no interface '${a.iface}' (only ${EXTCAP_INTERFACE})`);
          if (!a.fifo) throw new ConfigError('--fifo', 'value', 'capture needs --fifo');
          if (!a.link) throw new ConfigError('--link', 'value', 'capture needs --link (serial path, tcp://, usb:, udp:)');
          // Wireshark shows anything on stderr as the capture's error: the link's ups and downs and the
          // counters are said only when asked (--debug).
          const log = a.debug ? err : (): void => {};
          const tap = await runExtcapCapture({ link: a.link, baud: a.baud, fifo: a.fifo, signal: processStop().signal, log, ...(a.captureFilter !== undefined ? { captureFilter: a.captureFilter } : {}) });
          log(`stopped: ${tap.counters.text()}`);
        } else throw new ConfigError('extcap', 'value', 'give --extcap-interfaces, --extcap-dlts, --extcap-config or --capture');
      } catch (e) {
        if (e instanceof ConfigError || e instanceof ResourceError || e instanceof TypeError) {
          err(e.message);
          return exit(2);
        }
        throw e;
      }
      return exit(0);
    });
}
