// Global set-up for the test command: notes the anvil and redis-server processes running before
// the tests, and fails the run if any new one is still running after them.
import { execFileSync } from 'node:child_process';

function servers(): Map<number, string> {
  const output = execFileSync('ps', ['-eo', 'pid=,comm='], { encoding: 'utf8' });
  const found = new Map<number, string>();
  for (const line of output.split('\n')) {
    const [pid, command] = line.trim().split(/\s+/);
    if (command === 'anvil' || command === 'redis-server') found.set(Number(pid), command);
  }
  return found;
}

export default function setup(): () => Promise<void> {
  const before = servers();
  return async () => {
    // Children get a moment to exit after their last SIGTERM/SIGKILL.
    for (let attempt = 0; attempt < 50; attempt++) {
      const left = [...servers()].filter(([pid]) => !before.has(pid));
      if (left.length === 0) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const left = [...servers()].filter(([pid]) => !before.has(pid));
    throw new Error(`The tests left processes running: ${left.map(([pid, command]) => `${command} (pid ${pid})`).join(', ')}`);
  };
}
