import type { Command } from 'commander';
import { ConfigError, ResourceError } from '../../../core/errors.js';
import { MAX_DURATION_MS } from '../../../core/duration.js';
import { MIN_ROTATE_BYTES, RotatingPcapWriter, parseSize } from '../../../drivers/pcap/rotating-writer.js';
import type { Tap } from '../../../drivers/link/tap.js';
import { leaseStoreFor } from '../../app/lease-store.js';
import { monitorTarget, openTap, printFrames, type MonitorTarget } from '../../app/monitor.js';
import { loadRig, type Rig } from '../../config/rig.js';
import { processStop } from '../cli-context.js';
import { parsePorts } from '../decode-lines.js';
import { TextSink } from '../text-sink.js';

/** The shortest --stats period other than 0 (only at the end). */
const MIN_STATS_SECONDS = 0.1;

interface MonitorOptions {
  rig?: string;
  baud: string;
  json?: boolean;
  ports: string;
  all?: boolean;
  pcap?: string;
  rotate: string;
  stats: string;
  frames?: string;
}

export function registerMonitor(program: Command, exit: (code: number) => never | void): void {
  program
    .command('monitor')
    .description('decode everything on a link as it arrives (SLIP dongle or serial path, tcp:// ser2net, or a UDP port); never transmits')
    .argument('<link>', "a link of --rig by name, else a serial path (/dev/ttyUSB0, tcp://host:port, usb:serial=…) or udp:[address]:port (the monitor receives on that port itself: not one another program listens on)")
    .option('--rig <file>', 'rig file whose link (and locks) LINK names')
    .option('--baud <rate>', 'baud rate of a serial path given directly', '115200')
    .option('--json', 'NDJSON: one JSON object per line per message')
    .option('--ports <list>', 'UDP ports that carry CSMP (either side); other packets are captured, not printed', '61628,61624')
    .option('--all', 'print every UDP packet as CoAP, whatever its ports')
    .option('--pcap <dir>', 'also write every packet to rotating raw-IPv6 pcap files in this folder')
    .option('--rotate <size>', 'start a new pcap file before one passes this size (k, M, G; at least 4k)', '100M')
    .option('--stats <seconds>', 'print the counters on stderr this often, at least 0.1 (0: only at the end)', '10')
    .option('--frames <n>', 'stop after this many packets')
    .action(async (link: string, opts: MonitorOptions) => {
      const err = (s: string): void => void process.stderr.write(`hil monitor: ${s}\n`);
      const stop = processStop();
      let target: MonitorTarget;
      let rig: Rig | undefined;
      let tap: Tap;
      let pcap: RotatingPcapWriter | undefined;
      const stats = /^[0-9]+(\.[0-9]+)?$/.test(opts.stats) ? Number(opts.stats) : NaN;
      const frames = opts.frames === undefined ? undefined : Number(opts.frames);
      let ports: Set<number>;
      try {
        const baud = Number(opts.baud);
        if (!Number.isInteger(baud) || baud <= 0) throw new ConfigError('--baud', 'value', `'${opts.baud}' is not a baud rate`);
        // Past what a timer can wait, setInterval fires every millisecond instead; below 0.1 s the counters flood stderr.
        if (!(stats === 0 || (stats >= MIN_STATS_SECONDS && stats * 1000 <= MAX_DURATION_MS))) {
          throw new ConfigError('--stats', 'value', `'${opts.stats}' is not 0 or a number of seconds from ${MIN_STATS_SECONDS} to ${Math.floor(MAX_DURATION_MS / 1000)}`);
        }
        if (frames !== undefined && !(Number.isInteger(frames) && frames > 0)) throw new ConfigError('--frames', 'value', `'${opts.frames}' is not a positive whole number`);
        ports = parsePorts(opts.ports);
        const rotate = parseSize(opts.rotate);
        if (rotate === undefined) throw new ConfigError('--rotate', 'value', `'${opts.rotate}' is not a size (100M, 1G, 65536)`);
        if (rotate < MIN_ROTATE_BYTES) {
          throw new ConfigError('--rotate', 'value', `'${opts.rotate}' is less than 4k (${MIN_ROTATE_BYTES} bytes): a capture file must hold its header and one full-size frame`);
        }
        if (opts.rig) rig = await loadRig(opts.rig);
        target = monitorTarget(link, baud, rig);
        const leases = rig ? await leaseStoreFor(rig) : undefined;
        tap = openTap(target, leases ? { leases } : {});
        if (opts.pcap) pcap = new RotatingPcapWriter({ dir: opts.pcap, maxBytes: rotate, prefix: 'monitor' });
        await tap.open();
      } catch (e) {
        if (e instanceof ConfigError || e instanceof ResourceError || e instanceof TypeError) {
          err(e.message);
          return exit(2);
        }
        throw e;
      }
      err(`listening on ${tap.name} (receive only)${pcap ? `, capture in ${opts.pcap}` : ''}; Ctrl-C stops`);
      tap.on('down', (e: Error) => err(`${tap.name}: down (${e.message}); reconnecting`));
      tap.on('up', () => err(`${tap.name}: up`));
      tap.on('bound', (b: { message: string }) => err(b.message));

      const sink = new TextSink(process.stdout);
      let flushing = false;
      const done = new AbortController();
      let failure: Error | undefined;
      printFrames(tap, {
        ports,
        line: (text) => {
          sink.line(text);
          // One write per turn of the event loop, however many frames the chunk held.
          if (!flushing) {
            flushing = true;
            setImmediate(() => {
              flushing = false;
              void sink.flush();
            });
          }
        },
        ...(opts.json ? { json: true } : {}),
        ...(opts.all ? { all: true } : {}),
        ...(pcap ? { pcap } : {}),
        // A capture file that stops taking writes (disk full) ends the monitor with what it saw.
        onPcapError: (e) => {
          failure = e;
          done.abort();
        },
      });
      tap.on('frame', () => {
        if (frames !== undefined && tap.counters.frames >= frames) done.abort();
      });
      const timer = stats > 0 ? setInterval(() => err(tap.counters.text()), stats * 1000) : undefined;
      await new Promise<void>((resolve) => {
        if (stop.signal.aborted || done.signal.aborted) return resolve();
        stop.signal.addEventListener('abort', () => resolve(), { once: true });
        done.signal.addEventListener('abort', () => resolve(), { once: true });
      });
      clearInterval(timer);
      await tap.close();
      pcap?.close();
      await sink.flush();
      if (failure) err(failure.message);
      err(`${stop.signal.aborted ? 'stopped' : 'done'}: ${tap.counters.text()}${pcap?.files.length ? `; ${pcap.files.length} pcap file${pcap.files.length === 1 ? '' : 's'}, last ${pcap.current}` : ''}`);
      return exit(failure ? 2 : 0);
    });
}
