// Every command the docs show in a ```sh block is claimed by a test that runs it (or is
// listed, with the reason, as one that cannot run here). A new command on a page fails
// this test until a test runs it.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../cluster/cluster.js';
import { docCommands, type DocCommand } from './commands.js';
import { claims, notRunHere } from './claims.js';

const pages = ['README.md', 'deploy/README.md', 'bench/README.md', ...readdirSync(join(repoRoot, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
  .filter((f) => existsSync(join(repoRoot, f)));

const matches = (pattern: string | RegExp | ((c: string) => boolean), command: string) =>
  typeof pattern === 'string' ? pattern === command : typeof pattern === 'function' ? pattern(command) : pattern.test(command);

describe('docCommands', () => {
  it('reads sh blocks only, joins continuations, drops prompts and comments', () => {
    const dir = join(repoRoot, '.cache');
    const path = join(dir, 'doc-commands-sample.md');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, ['```sh', '# a comment', '$ kubectl get x   # why', 'helm install a \\', '  b', '```', '```', 'not a command', '```', ''].join('\n'));
    expect(docCommands(path, 'x.md').map((c: DocCommand) => [c.line, c.command])).toEqual([[3, 'kubectl get x'], [4, 'helm install a b']]);
  });
});

describe('every command in the docs is run by a test', () => {
  const all = pages.flatMap((p) => docCommands(join(repoRoot, p), p));

  it('finds the docs’ commands', () => {
    expect(all.length).toBeGreaterThan(20);
  });

  it.each(pages)('%s: each command is claimed by a test that contains its marker', (page) => {
    const unclaimed: string[] = [];
    for (const c of all.filter((x) => x.file === page)) {
      const mine = claims.filter((cl) => matches(cl.command, c.command));
      if (mine.length === 0) {
        if (!notRunHere.some((n) => matches(n.command, c.command))) unclaimed.push(`${c.file}:${c.line}: ${c.command}`);
        continue;
      }
      for (const cl of mine) {
        const text = readFileSync(join(repoRoot, cl.by), 'utf8');
        const found = typeof cl.marker === 'string' ? text.includes(cl.marker) : cl.marker.test(text);
        expect(found, `${c.file}:${c.line} \`${c.command}\` is claimed by ${cl.by}, which no longer contains ${String(cl.marker)}`).toBe(true);
      }
    }
    expect(unclaimed, 'commands shown in the docs that no test runs: add a test and a claim in test/docs/claims.ts').toEqual([]);
  });

  it('every exception is still shown somewhere (no stale entries)', () => {
    for (const n of notRunHere) expect(all.some((c) => matches(n.command, c.command)), String(n.command)).toBe(true);
  });
});
