import type { Command } from 'commander';
import { fileURLToPath } from 'node:url';
import { extcapPaths, installExtcap } from '../../app/extcap-install.js';
import { EXTCAP_INTERFACE } from '../../app/extcap.js';
import { tsharkCsmpArgs, writeWiresharkFiles } from '../../decode/wireshark.js';

// Wireshark names an extcap's preferences after the interface with '-' made '_'.
const PREF = EXTCAP_INTERFACE.replace(/-/g, '_');

/** How to capture once installed; the same text whether installed or only printed. */
function extcapUsage(paths: ReturnType<typeof extcapPaths>): string {
  return [
    `extcap program: ${paths.program} (Wireshark 4.0, 4.1)`,
    `                ${paths.program42} (Wireshark 4.2 and later)`,
    `CSMP dissector: ${paths.pluginsDir}/csmp.lua (+ csmp.proto, added to ${paths.searchPaths})`,
    '',
    'tshark:',
    `  tshark -i ${EXTCAP_INTERFACE} -o extcap.${PREF}.link:/dev/ttyUSB0 -o extcap.${PREF}.baud:115200 -c 10 -V`,
    `Wireshark: restart it, then the interface "${EXTCAP_INTERFACE}" is in the list; its gear icon sets Link and Baud rate.`,
    '',
  ].join('\n');
}

export function registerWireshark(program: Command, exit: (code: number) => never | void): void {
  program
    .command('wireshark')
    .description('write a CSMP dissector for Wireshark/tshark (csmp.lua + csmp.proto) into a folder')
    .option('--out <dir>', 'where to write the two files', 'wireshark')
    .option('--extcap', 'install the live-capture extcap program and the dissector into your personal Wireshark folders')
    .option('--print', 'with --extcap: say where and how, install nothing')
    .action((opts: { out: string; extcap?: boolean; print?: boolean }) => {
      if (opts.extcap) {
        const paths = extcapPaths();
        if (opts.print) {
          process.stdout.write(`would install (nothing written):\n${extcapUsage(paths)}`);
          return exit(0);
        }
        try {
          installExtcap(process.execPath, fileURLToPath(new URL('../main.js', import.meta.url)));
        } catch (e) {
          process.stderr.write(`hil wireshark: cannot install the extcap: ${(e as Error).message}\n`);
          return exit(2);
        }
        process.stdout.write(`installed:\n${extcapUsage(paths)}`);
        return exit(0);
      }
      let files: { dissector: string; proto: string };
      try {
        files = writeWiresharkFiles(opts.out);
      } catch (e) {
        process.stderr.write(`hil wireshark: cannot write to ${opts.out}: ${(e as Error).message}\n`);
        return exit(2);
      }
      const quote = (a: string): string => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
      process.stdout.write(
        [
          `wrote ${files.dissector}`,
          `wrote ${files.proto}`,
          '',
          'tshark:',
          `  tshark ${tsharkCsmpArgs(opts.out).map(quote).join(' ')} -r FILE.pcap -V`,
          'Wireshark: copy csmp.lua into the personal Lua plugins folder (Help › About › Folders) and add',
          `  ${files.proto.replace(/\/csmp\.proto$/, '')} to Preferences › Protocols › ProtoBuf › Protobuf search paths (load all files).`,
          '',
        ].join('\n'),
      );
      return exit(0);
    });
}
