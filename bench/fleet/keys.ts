import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/bench/fleet/ → project root.
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const KEY = join(root, 'rigs', 'virtual', 'keys', 'nms-key.pem');
export const CERT = join(root, 'rigs', 'virtual', 'keys', 'nms-cert.pem');
