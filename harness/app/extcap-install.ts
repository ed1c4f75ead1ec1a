/**
 * Installing the extcap program and the CSMP dissector where Wireshark/tshark 4.x look for personal
 * ones. The personal extcap folder moved in Wireshark 4.2, from <config>/wireshark/extcap (config =
 * $XDG_CONFIG_HOME or ~/.config) to ~/.local/lib/wireshark/extcap; the program goes into both, so
 * one install serves Debian 12's 4.0 and a newer Wireshark alike (each reads only its own folder).
 * Lua plugins go into ~/.local/lib/wireshark/plugins (the same in every 4.x), and the folder
 * holding csmp.proto is added to the personal ProtoBuf search paths (a UAT file) so the TLV values
 * decode.
 */
import { chmodSync, existsSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeDirs } from '../../core/make-dirs.js';
import { csmpDissectorLua, writeWiresharkFiles } from '../decode/wireshark.js';
import { EXTCAP_INTERFACE } from './extcap.js';

export interface ExtcapPaths {
  /** Wireshark 4.0 and 4.1's folder. */
  extcapDir: string;
  program: string;
  /** Wireshark 4.2 and later's folder. */
  extcapDir42: string;
  program42: string;
  pluginsDir: string;
  searchPaths: string;
}

export function extcapPaths(env: NodeJS.ProcessEnv = process.env): ExtcapPaths {
  const home = env.HOME ?? '';
  const config = join(env.XDG_CONFIG_HOME || join(home, '.config'), 'wireshark');
  const extcapDir = join(config, 'extcap');
  const lib = join(home, '.local', 'lib', 'wireshark');
  const extcapDir42 = join(lib, 'extcap');
  return {
    extcapDir,
    program: join(extcapDir, EXTCAP_INTERFACE),
    extcapDir42,
    program42: join(extcapDir42, EXTCAP_INTERFACE),
    pluginsDir: join(lib, 'plugins'),
    searchPaths: join(config, 'protobuf_search_paths'),
  };
}

/** The program Wireshark runs: this node and this build's entry, so it captures with this version. */
export function extcapScript(node: string, main: string): string {
  const q = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  return `#!/bin/sh\n# csmp-hil extcap (written by \`hil wireshark --extcap\`)\nexec ${q(node)} ${q(main)} extcap "$@"\n`;
}

/** CoAP runs on CSMP's ports, not 5683: said in the installed copy, as tshark's `-d` does for files. */
export function installedLua(ports: readonly number[] = [61628, 61624]): string {
  return `${csmpDissectorLua()}
-- Installed by \`hil wireshark --extcap\`: CoAP on the CSMP agent and NMS ports.
local coap = Dissector.get("coap")
${ports.map((p) => `DissectorTable.get("udp.port"):add(${p}, coap)`).join('\n')}
`;
}

export function installExtcap(node: string, main: string, env: NodeJS.ProcessEnv = process.env): ExtcapPaths {
  const p = extcapPaths(env);
  for (const [dir, program] of [
    [p.extcapDir, p.program],
    [p.extcapDir42, p.program42],
  ] as const) {
    makeDirs(dir);
    writeFileSync(program, extcapScript(node, main));
    chmodSync(program, 0o755);
  }
  const files = writeWiresharkFiles(p.pluginsDir);
  writeFileSync(files.dissector, installedLua());
  const line = `"${p.pluginsDir}","TRUE"`;
  // The user's own search paths are kept; ours is added once.
  if (!existsSync(p.searchPaths) || !readFileSync(p.searchPaths, 'utf8').split('\n').includes(line)) appendFileSync(p.searchPaths, `${line}\n`);
  return p;
}
