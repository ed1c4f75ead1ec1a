import type { Command } from 'commander';
import { mkdirSync } from 'node:fs';
import { defaultRigFile } from '../../app/defaults.js';
import { withMeters } from '../../app/scale-rig.js';
import { loadRig, type Rig } from '../../config/rig.js';
import { ConfigError, ResourceError } from '../../../core/errors.js';
import { VirtualRig } from '../../../rigs/virtual/rig.js';

interface SimOptions {
  rig?: string;
  meters?: string;
  dir: string;
}

export function registerSim(program: Command, exit: (code: number) => never | void): void {
  program
    .command('sim')
    .description('start the virtual rig on its own: prints the dongle and console pty paths; Ctrl-C stops everything')
    .option('--rig <file>', 'rig file with a virtual section (default: rigs/virtual.yaml)')
    .option('--meters <n>', 'number of meters (default: those of the rig file)')
    .option('--dir <dir>', 'run folder for the ptys, power sockets and flash files', '.runs/sim')
    .action(async (opts: SimOptions) => {
      const err = (s: string): void => void process.stderr.write(`hil sim: ${s}\n`);
      // Listening from the start: a Ctrl-C while the rig starts stops it once started, and whoever
      // reads the line that invites Ctrl-C may signal before the next statement runs.
      const stopped = new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      let sim: VirtualRig;
      let rig: Rig;
      try {
        rig = await loadRig(opts.rig ?? defaultRigFile());
        if (!rig.virtual) throw new ConfigError(rig.file, 'missing', 'this rig has no virtual section: nothing to simulate');
        if (opts.meters !== undefined) {
          if (!/^[0-9]+$/.test(opts.meters)) throw new ConfigError('--meters', 'value', `'${opts.meters}' is not a whole number`);
          rig = withMeters(rig, Number(opts.meters));
        }
        mkdirSync(opts.dir, { recursive: true });
        sim = await VirtualRig.start(rig, opts.dir);
      } catch (e) {
        if (e instanceof ConfigError || e instanceof ResourceError) {
          err(e.message);
          return exit(2);
        }
        throw e;
      }
      const d = sim.describe();
      const resolved = sim.resolveRig(rig);
      const out = (s: string): void => void process.stdout.write(`${s}\n`);
      out(`virtual rig ${rig.name}: ${resolved.devices.length} meters, time scale ${sim.clock.scale} (device seconds per real second)`);
      out(`dongle ${d.dongle}  (SLIP, ${resolved.links.find((l) => l.kind === 'slip')?.baudRate ?? 115200} baud; NMS ${rig.nms.addresses.map((a) => `${a.name} ${a.address}`).join(', ')})`);
      for (const dev of resolved.devices) {
        const parts = [`${dev.name} ${dev.eui64} [${dev.address}]:${dev.port}`];
        if (d.consoles[dev.name]) parts.push(`console ${d.consoles[dev.name]}`);
        if (d.powerSockets[dev.name]) parts.push(`power ${d.powerSockets[dev.name]}`);
        out(parts.join('  '));
      }
      out('Ctrl-C stops the rig.');
      await stopped;
      await sim.stop();
      out('stopped');
      return exit(0);
    });
}
