#!/usr/bin/env -S node --max-semi-space-size=4
/**
 * The `hil` bin. `hil decode` of a multi-gigabyte capture is judged by its footprint, so it loads
 * only itself (the other commands' modules cost 35 MB of RSS before a byte is read), and the young
 * generation is capped at 4 MB a half: decoding allocates a few hundred short-lived bytes per
 * frame, and V8's default 16 MB halves let what survives them grow the old generation to three
 * times what is live (a 200 MB decode peaked at 164 MB RSS against 111 MB with the cap, for about
 * 10 % more CPU). Other commands are not allocation-bound and do not notice the cap.
 */
if (process.argv[2] === 'decode') await import('./decode-main.js');
else await import('./program.js');
