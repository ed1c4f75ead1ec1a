import type { Command } from 'commander';
import { defaultRigFile } from '../../app/defaults.js';
import { targetDevice, withBench } from '../../app/one-shot.js';
import { expectedFailureExit } from '../expected-failure.js';
import { processStop } from '../cli-context.js';
import { codeName } from '../../coap/codes.js';
import { loadRig, type DeviceSpec } from '../../config/rig.js';
import { DEVICE_PORTS } from '../../config/rig-schema.js';
import { durationOption, MIN_ANSWER_MS } from '../option-values.js';
import { formatTlv } from '../../csmp/format.js';
import { toJson } from '../../csmp/value.js';
import { ConfigError, ResourceError } from '../../../core/errors.js';
import type { ClientAnswer } from '../../nms/client.js';
import { CoapTimeoutError } from '../../coap/errors.js';

interface RequestOptions {
  rig?: string;
  json?: boolean;
  timeout: string;
  port?: string;
}

export function registerRequest(program: Command, exit: (code: number) => never | void): void {
  program
    .command('request')
    .description("GET TLVs from a device and print them decoded (FND's csmp-request -r)")
    .argument('<device>', 'rig device name, EUI-64 or IPv6 address')
    .argument('<tlv...>', 'TLV ids: 75, 43, e5771.127 …')
    .option('--rig <file>', 'rig file (default: rigs/virtual.yaml)')
    .option('--json', 'one JSON document: device, code, and each TLV with its fields')
    .option('--timeout <duration>', 'how long to wait for the answer (at least 100ms)', '10s')
    .option('--port <port>', 'device CSMP port for an address not in the rig (61628 or 61624)')
    .action(async (target: string, tlvs: string[], opts: RequestOptions) => {
      const err = (s: string): void => void process.stderr.write(`hil request: ${s}\n`);
      let timeoutMs: number;
      try {
        timeoutMs = durationOption('--timeout', opts.timeout, MIN_ANSWER_MS);
      } catch (e) {
        err((e as Error).message);
        return exit(2);
      }
      const stop = processStop();
      const bad = tlvs.filter((t) => !/^(\d+|e\d+\.\d+)$/.test(t));
      if (bad.length) {
        err(`not a TLV id: ${bad.join(', ')} (decimal, or e<PEN>.<type>)`);
        return exit(2);
      }
      const port = opts.port === undefined ? undefined : DEVICE_PORTS.find((p) => String(p) === opts.port);
      if (opts.port !== undefined && port === undefined) {
        err(`--port: '${opts.port}' is not a CSMP port (${DEVICE_PORTS.join(' or ')})`);
        return exit(2);
      }
      let answer: ClientAnswer;
      let device: DeviceSpec | undefined;
      try {
        const loaded = await loadRig(opts.rig ?? defaultRigFile());
        const t = targetDevice(loaded, target, port);
        // A device of the rig is asked on its rig port: another --port would be ignored, so it is refused.
        if (port !== undefined && t.device.port !== port) {
          throw new ConfigError('--port', 'conflict', `${port} cannot be used: ${t.device.name} is in rig ${loaded.name} on port ${t.device.port} (--port is for an address not in the rig)`);
        }
        device = t.device;
        answer = await withBench(t.rig, [], (b) => b.nms.client.get(t.device.name, tlvs, { timeoutMs: b.bench.toClockMs(timeoutMs) }), { stop });
      } catch (e) {
        const code = expectedFailureExit(e, stop, err);
        if (code !== undefined) return exit(code);
        // The NMS clock may run scaled (virtual rig): say the limit as the user gave it.
        if (e instanceof CoapTimeoutError && device) err(`no answer from ${device.name} [${device.address}]:${device.port} within ${opts.timeout}`);
        else err((e as Error).message);
        return exit(1);
      }
      const ok = answer.code.startsWith('2.');
      if (opts.json) {
        process.stdout.write(
          `${JSON.stringify({ device: device.name, address: device.address, port: device.port, code: answer.code, tlvs: answer.tlvs.map((t) => toJson(t)) })}\n`,
        );
      } else {
        if (!ok) err(`${device.name} [${device.address}]:${device.port} answered ${codeName(answer.code)}`);
        for (const t of answer.tlvs) process.stdout.write(`${formatTlv(t)}\n`);
      }
      return exit(ok ? 0 : 1);
    });
}
