// The cluster-in-a-box commands that README.md and docs/testing.md show, run exactly as
// written (from the docs' own text, so an edited page is what runs). They bring up their
// own cluster, so they live in the `demo` project, which runs alone after e2e.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { down, listClusterIds, repoRoot } from '../cluster/cluster.js';
import { listLeftovers } from '../netlab/netlab.js';
import { docCommands } from '../docs/commands.js';
import { clusterCommandPattern } from '../docs/claims.js';

function sh(command: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', command], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', (code) => resolve({ code, out }));
  });
}

afterAll(async () => {
  for (const id of listClusterIds()) await down(id, () => {});
});

describe.each(['README.md', 'docs/testing.md'])('the cluster commands %s shows', (file) => {
  it('run as written, in order, and leave nothing behind', async () => {
    const commands = docCommands(join(repoRoot, file), file).filter((c) => clusterCommandPattern.test(c.command));
    expect(commands.length).toBeGreaterThan(0);
    for (const { command, line } of commands) {
      const r = await sh(command);
      expect(r.code, `${file}:${line}: \`${command}\`\n${r.out.slice(-2000)}`).toBe(0);
      if (/cluster:up/.test(command)) {
        const info = JSON.parse(r.out.trim().split('\n').at(-1) ?? '{}') as { nodes?: unknown[] };
        const want = Number(/--nodes (\d+)/.exec(command)?.[1] ?? 3);
        expect(info.nodes?.length, `${file}:${line}`).toBe(want);
      }
      // `up` with another node count needs a `down` first, as cluster.ts says: the pages
      // show `--nodes 5` right after the plain `up`, so take that one down in between.
      if (/cluster:up$/.test(command) && commands.some((c) => /--nodes/.test(c.command))) await sh('npm run --silent cluster:down');
    }
    expect(listClusterIds()).toEqual([]);
    expect(await listLeftovers()).toEqual({ netns: [], links: [] });
  });
});
