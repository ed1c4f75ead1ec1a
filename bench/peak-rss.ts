/**
 * Runs a node script in this process and prints its peak RSS on exit, so a benchmark can measure a
 * whole `hil run` child (usage: node dist/bench/peak-rss.js SCRIPT ARGS...).
 */
import { pathToFileURL } from 'node:url';

const [script, ...args] = process.argv.slice(2);
if (!script) {
  process.stderr.write('usage: peak-rss.js SCRIPT [ARGS...]\n');
  process.exit(2);
}
process.on('exit', () => process.stderr.write(`\nPEAK_RSS_KB=${process.resourceUsage().maxRSS}\n`));
process.argv = [process.argv[0]!, script, ...args];
await import(pathToFileURL(script).href);
