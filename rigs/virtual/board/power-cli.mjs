#!/usr/bin/env node
// The virtual rig's "relay tool": sends one command to a board's power control socket and
// prints the answer. Plain JavaScript with no dependencies, so it runs the same from the source
// tree and from an installed package, without a build (like the pty helper).
//
//   node power-cli.mjs <socket> on|off|cycle|status [timeoutMs]
//
// Exit codes: 0 answered ok, 1 answered error, 2 usage, 3 cannot connect, 4 no answer in time.
import { connect } from 'node:net';

const [socketPath, action, timeoutArg] = process.argv.slice(2);
if (!socketPath || !['on', 'off', 'cycle', 'status'].includes(action ?? '')) {
  process.stderr.write('usage: power-cli.mjs <socket> on|off|cycle|status [timeoutMs]\n');
  process.exit(2);
}
const timeoutMs = Number(timeoutArg ?? 5000);

const timer = setTimeout(() => {
  process.stderr.write(`power-cli: no answer from ${socketPath} within ${timeoutMs} ms\n`);
  process.exit(4);
}, timeoutMs);

const sock = connect(socketPath);
let buf = '';
sock.setEncoding('utf8');
sock.on('connect', () => sock.write(`${action}\n`));
sock.on('data', (text) => {
  buf += text;
  const nl = buf.indexOf('\n');
  if (nl < 0) return;
  const line = buf.slice(0, nl);
  clearTimeout(timer);
  process.stdout.write(`${line}\n`);
  sock.end();
  process.exitCode = line.startsWith('ok') ? 0 : 1;
});
sock.on('error', (e) => {
  clearTimeout(timer);
  process.stderr.write(`power-cli: cannot reach ${socketPath}: ${e.message}\n`);
  process.exit(3);
});
