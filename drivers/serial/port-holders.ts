/**
 * Other processes that have a serial device open. A second reader on a tty (a forgotten minicom,
 * `cat` in another terminal, a second harness) takes bytes meant for us: frames arrive garbled or
 * not at all and a test fails as "no answer". Port locks only stop programs that honour them, so
 * this looks at what the kernel knows: on Linux, every process's open files under /proc/<pid>/fd,
 * matched by the device number of the tty. Elsewhere it finds nothing.
 *
 * Our own process and its children are not "other": the virtual rig's pty helper holds the device
 * side of its pseudo-terminals open on purpose.
 */
import { readdir, readFile, readlink, stat } from 'node:fs/promises';

export interface PortHolder {
  pid: number;
  /** The program name (/proc/<pid>/comm). */
  command: string;
}

/** Processes other than this one and its children that hold `path`'s device open. */
export async function otherPortHolders(path: string): Promise<PortHolder[]> {
  if (process.platform !== 'linux') return [];
  let rdev: number;
  try {
    const st = await stat(path);
    if (!st.isCharacterDevice()) return [];
    rdev = st.rdev;
  } catch {
    return [];
  }
  let pids: string[];
  try {
    pids = (await readdir('/proc')).filter((p) => /^\d+$/.test(p));
  } catch {
    return [];
  }
  const holders: PortHolder[] = [];
  await Promise.all(
    pids.map(async (p) => {
      const pid = Number(p);
      if (pid === process.pid) return;
      if (!(await holds(pid, rdev))) return;
      if ((await parentOf(pid)) === process.pid) return;
      holders.push({ pid, command: await commandOf(pid) });
    }),
  );
  return holders.sort((a, b) => a.pid - b.pid);
}

async function holds(pid: number, rdev: number): Promise<boolean> {
  let fds: string[];
  try {
    fds = await readdir(`/proc/${pid}/fd`);
  } catch {
    return false; // gone, or not ours to look at
  }
  for (const fd of fds) {
    try {
      // readlink first: most descriptors are sockets and pipes, which need no stat.
      const target = await readlink(`/proc/${pid}/fd/${fd}`);
      if (!target.startsWith('/dev/')) continue;
      const st = await stat(`/proc/${pid}/fd/${fd}`);
      if (st.isCharacterDevice() && st.rdev === rdev) return true;
    } catch {
      // Closed meanwhile.
    }
  }
  return false;
}

async function parentOf(pid: number): Promise<number | undefined> {
  try {
    const s = await readFile(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

async function commandOf(pid: number): Promise<string> {
  try {
    return (await readFile(`/proc/${pid}/comm`, 'utf8')).trim();
  } catch {
    return '?';
  }
}

/** "pid 4242 (minicom), pid 4250 (cat)" */
export function describeHolders(holders: readonly PortHolder[]): string {
  return holders.map((h) => `pid ${h.pid} (${h.command})`).join(', ');
}
