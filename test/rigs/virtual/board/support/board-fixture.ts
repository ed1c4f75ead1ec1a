/** A formatted flash image and helpers shared by the board, console and power tests. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FlashImage } from '../../../../../rigs/virtual/board/flash.js';

export const EUI = '00173bfffe000001';
export const PROMPT = `meter-${EUI}> `;

/** The virtual rig's NMS certificate: public material only (the key beside it is never read here). */
export const NMS_CERT_PEM = readFileSync(fileURLToPath(new URL('../../../../../rigs/virtual/keys/nms-cert.pem', import.meta.url)), 'utf8');

export function image(): FlashImage {
  return {
    config: {
      demoMode: false,
      ssid: 'CRDC mesh',
      panId: 1234,
      txPower: 28,
      nmsAddress: 'fd00::1',
      nmsPort: 61628,
      firmwareGroup: 317,
      configGroup: 42,
    },
    nmsCertPem: NMS_CERT_PEM,
    firmware: [
      { index: 1, version: '5.6.21', fileName: 'cg-mesh-5.6.21.bin', fileHash: new Uint8Array(32).fill(0xab), fileSize: 305408, blockSize: 650, isRunning: true, isDefault: false, hwId: 'RFLAN/3.60/3.80' },
      { index: 3, version: '5.6.21', isDefault: true, hwId: 'RFLAN/3.60/3.80' },
    ],
  };
}

/** Resolves on the first event for which `test` holds, or rejects after `ms` (a bounded wait, not a sleep). */
export function until<T>(subscribe: (cb: (v: T) => void) => () => void, test: (v: T) => boolean, ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const off = subscribe((v) => {
      if (!test(v)) return;
      clearTimeout(timer);
      off();
      resolve(v);
    });
  });
}
