import type { Command } from 'commander';
import { tsharkCsmpArgs, writeWiresharkFiles } from '../../decode/wireshark.js';

export function registerWireshark(program: Command, exit: (code: number) => never | void): void {
  program
    .command('wireshark')
    .description('write a CSMP dissector for Wireshark/tshark (csmp.lua + csmp.proto) into a folder')
    .option('--out <dir>', 'where to write the two files', 'wireshark')
    .action((opts: { out: string }) => {
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
