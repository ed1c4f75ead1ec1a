/**
 * The CSMP protobuf schema at run time.
 *
 * `csmpRoot()` builds it from the generated descriptor module: no file I/O and no path
 * lookup, so it works the same from the source tree (jest) and from dist/. The .proto text is
 * the reviewable form and stays loadable for tools and for the test that keeps the two equal.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import { csmpDescriptor } from './descriptor.js';

export const CSMP_PACKAGE = 'csmp';

let root: protobuf.Root | undefined;

/** The schema, built once on first use (immutable afterwards). */
export function csmpRoot(): protobuf.Root {
  if (root === undefined) {
    root = protobuf.Root.fromJSON(csmpDescriptor);
    root.resolveAll();
  }
  return root;
}

/** A message type by its name in the .proto, e.g. "FirmwareImageInfo". */
export function csmpMessageType(name: string): protobuf.Type | undefined {
  const found = csmpRoot().lookup(`${CSMP_PACKAGE}.${name}`);
  return found instanceof protobuf.Type ? found : undefined;
}

/**
 * Where csmp.proto lives. tsc copies no .proto into dist/ (rootDir "."), so from
 * dist/harness/csmp/schema/ the file is found at the same path without the dist/ segment.
 */
export function csmpProtoPath(): string {
  return protoPathBeside(import.meta.url);
}

/** csmp.proto next to the module at `moduleUrl`, with a dist/ segment before harness/csmp/ dropped. */
export function protoPathBeside(moduleUrl: string): string {
  const path = fileURLToPath(new URL('./csmp.proto', moduleUrl));
  return path.replace(/([\\/])dist([\\/]harness[\\/]csmp[\\/]schema[\\/]csmp\.proto)$/, '$2');
}

/** Parses csmp.proto with the field names kept as written (`NMSCertValid`, `lmac_ver`). */
export async function loadCsmpProto(path = csmpProtoPath()): Promise<protobuf.Root> {
  const text = await readFile(path, 'utf8');
  const parsed = protobuf.parse(text, { keepCase: true }).root;
  parsed.resolveAll();
  return parsed;
}
