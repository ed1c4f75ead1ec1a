#!/usr/bin/env python3
"""Hold one pseudo-terminal open and relay its master side to stdin/stdout.

Why a helper process: libuv treats a pty master as blocking for writes, so relaying it inside the
Node process that drives serialport hangs under load. Python's pty module ships with the
interpreter, so no system package is needed. The slave path is announced on stderr as
"PTY <path>"; with --link the path is also published as a symlink (like udev's
/dev/serial/by-id names), which is what lets a test unplug and replug a "device" at one path.
Killing this process closes the master: the harness side sees a hang-up, as on a USB unplug.
"""
import os, select, signal, sys, tty

def main():
    link = None
    if len(sys.argv) >= 3 and sys.argv[1] == '--link':
        link = sys.argv[2]
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    if link:
        tmp = link + '.tmp%d' % os.getpid()
        os.symlink(path, tmp)
        os.replace(tmp, link)

    def cleanup(*_):
        if link:
            try:
                if os.readlink(link) == path:
                    os.unlink(link)
            except OSError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, cleanup)
    signal.signal(signal.SIGINT, cleanup)
    sys.stderr.write('PTY %s\n' % path)
    sys.stderr.flush()
    stdin = sys.stdin.fileno()
    stdout = sys.stdout.fileno()
    while True:
        r, _, _ = select.select([master, stdin], [], [])
        if master in r:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b''
            if data:
                os.write(stdout, data)
        if stdin in r:
            data = os.read(stdin, 65536)
            if not data:
                cleanup()
            view = memoryview(data)
            while view:
                n = os.write(master, view)
                view = view[n:]

if __name__ == '__main__':
    main()
