import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, stopProcess } from './exec.js';

// A process whose parent never reaps it: `sleep 30` started by a shell that then becomes
// `sleep 60` (which never waits). Once killed, it stays a zombie until its parent ends —
// as a --keep demo's daemons do, orphaned, until init gets to them.
const parents: number[] = [];
async function unreapedChild(): Promise<number> {
  const p = spawn('bash', ['-c', 'sleep 30 & echo $!; exec sleep 60'], { stdio: ['ignore', 'pipe', 'ignore'] });
  parents.push(p.pid!);
  const [line] = await createInterface({ input: p.stdout! })[Symbol.asyncIterator]().next().then((r) => [r.value as string]);
  return Number(line);
}
afterEach(() => {
  for (const pid of parents.splice(0)) process.kill(pid, 'SIGKILL');
});

describe('isAlive', () => {
  it('is true while the process runs, false once it exited even before its parent reaps it', async () => {
    const pid = await unreapedChild();
    expect(isAlive(pid)).toBe(true);
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 100));
    expect(isAlive(pid)).toBe(false);
    expect(isAlive(undefined)).toBe(false);
  });

  it('lets stopProcess return once the process exited, without waiting out the grace period', async () => {
    const pid = await unreapedChild();
    const t = performance.now();
    await stopProcess(pid, 3_000);
    expect(performance.now() - t).toBeLessThan(2_000);
  }, 10_000);
});
