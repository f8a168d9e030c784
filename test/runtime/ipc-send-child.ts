/**
 * A child process for ipc-send.test.ts (not a test file). `worker <mode>`: it closes its IPC channel, then
 * sends to its parent with sendToPrimary (`helper`) or with process.send alone (`raw`), printing what the
 * send reported. `exit`: it exits at once (a cluster worker whose channel is gone).
 */
import { sendToPrimary } from '../../src/runtime/cluster/ipc-send.js';

const [mode] = process.argv.slice(2);
if (mode === 'exit') process.exit(0);
process.disconnect();
if (mode === 'helper') sendToPrimary({ type: 'late' }, (err) => console.log(JSON.stringify({ failed: (err as NodeJS.ErrnoException).code })));
else process.send?.({ type: 'late' });
setTimeout(() => console.log(JSON.stringify({ alive: true })), 50);
