import type { Command } from 'commander';
import { defaultRigFile } from '../../app/defaults.js';
import { lockFolder, type FolderLock } from '../../app/reports-lock.js';
import { withMeters } from '../../app/scale-rig.js';
import { loadRig, type Rig } from '../../config/rig.js';
import { ConfigError, ResourceError } from '../../../core/errors.js';
import { VirtualRig } from '../../../rigs/virtual/rig.js';
import { processStop } from '../cli-context.js';

interface SimOptions {
  rig?: string;
  meters?: string;
  dir: string;
  cold?: boolean;
}

export function registerSim(program: Command, exit: (code: number) => never | void): void {
  program
    .command('sim')
    .description('start the virtual rig on its own: prints the dongle and console pty paths; Ctrl-C stops everything')
    .option('--rig <file>', 'rig file with a virtual section (default: $HIL_RIG, hil.config.yaml rig:, else rigs/virtual.yaml)')
    .option('--meters <n>', 'number of meters (default: those of the rig file)')
    .option('--cold', "every meter boots and registers afresh; the boards kept from the last run (.hil-state/ beside the rig file) are deleted, and virtual.startRegistered is ignored")
    .option('--dir <dir>', 'run folder for the ptys, power sockets and flash files (locked while the rig runs)', '.runs/sim')
    .action(async (opts: SimOptions) => {
      const err = (s: string): void => void process.stderr.write(`hil sim: ${s}\n`);
      // The process's stop handling listens from the start: a Ctrl-C while the rig starts stops it
      // once started, and whoever reads the line that invites Ctrl-C may signal at once.
      const stop = processStop();
      let sim: VirtualRig;
      let rig: Rig;
      let lock: FolderLock;
      try {
        rig = await loadRig(opts.rig ?? defaultRigFile());
        if (!rig.virtual) throw new ConfigError(rig.file, 'missing', 'this rig has no virtual section: nothing to simulate');
        if (opts.meters !== undefined) {
          if (!/^[0-9]+$/.test(opts.meters)) throw new ConfigError('--meters', 'value', `'${opts.meters}' is not a whole number`);
          rig = withMeters(rig, Number(opts.meters));
        }
        // Another sim or run in the same folder would have its ptys and power sockets replaced.
        lock = lockFolder(opts.dir, `hil sim ${process.argv.slice(3).join(' ')}`.trim());
      } catch (e) {
        if (e instanceof ConfigError || e instanceof ResourceError) {
          err(e.message);
          return exit(2);
        }
        throw e;
      }
      stop.atExit(() => lock.release());
      try {
        sim = await VirtualRig.start(rig, opts.dir, { onWarning: (line) => err(line), onNotice: (line) => err(line), persistence: opts.cold ? 'cold' : 'resume' });
      } catch (e) {
        lock.release();
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
      if (!stop.signal.aborted) await new Promise((resolve) => stop.signal.addEventListener('abort', resolve, { once: true }));
      await sim.stop();
      lock.release();
      out('stopped');
      return exit(0);
    });
}
