import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../cluster/cluster.js';
import { parseDockerfile } from './dockerfile.js';

describe('parseDockerfile', () => {
  it('reads the final stage of the speaker Dockerfile', () => {
    const d = parseDockerfile(readFileSync(join(repoRoot, 'packages/speaker/Dockerfile'), 'utf8'));
    expect(d).toMatchObject({
      base: 'node:20-bookworm-slim',
      stages: ['build', 'deps'],
      user: '65532:65532',
      entrypoint: ['node', '/app/packages/speaker/dist/main.js'],
      workdir: '/app',
      env: { NODE_ENV: 'production' },
      exposed: ['7473/tcp', '7946/udp'],
      copies: [
        { from: 'deps', sources: ['/out/node_modules'], dest: '/app/node_modules/' },
        { from: 'build', sources: ['/out/packages'], dest: '/app/packages/' },
      ],
    });
    expect(d.labels['org.opencontainers.image.description']).toMatch(/^ironlb speaker: answers ARP\/NDP/);
    expect(d.cmd).toBeUndefined();
    const deps = d.earlier.find((st) => st.name === 'deps')!;
    expect(deps.workdir).toBe('/out');
    expect(deps.runs).toEqual([expect.stringMatching(/^npm ci --omit=dev --ignore-scripts --workspace=@ironlb\/speaker .* && find node_modules -type f/)]);
  });

  it.each(['controller', 'speaker'])('%s Dockerfile: every file it copies from the build context exists and is not excluded by .dockerignore', (c) => {
    const text = readFileSync(join(repoRoot, `packages/${c}/Dockerfile`), 'utf8');
    const d = parseDockerfile(text);
    const ignored = readFileSync(join(repoRoot, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    // The patterns used there: `**/name` (anywhere) and `name` (at the top).
    const isIgnored = (p: string) => ignored.some((pat) => (pat.startsWith('**/') ? p.split('/').some((seg) => seg === pat.slice(3) || (pat.slice(3).startsWith('*') && seg.endsWith(pat.slice(4)))) : p === pat || p.startsWith(`${pat}/`)));
    const fromContext = d.earlier.flatMap((st) => st.copies.filter((cp) => cp.from === undefined).flatMap((cp) => cp.sources));
    expect(fromContext.length).toBeGreaterThan(3);
    for (const src of fromContext) {
      expect(existsSync(join(repoRoot, src)), src).toBe(true);
      expect(isIgnored(src), src).toBe(false);
    }
    // And what the build stage must not see is excluded.
    for (const p of ['node_modules', 'packages/speaker/build', 'packages/core/dist', '.git']) expect(isIgnored(p), p).toBe(true);
  });

  it.each([
    ['continuations, quoted labels with spaces and escaped quotes', 'FROM a AS b\nFROM c\nLABEL x="one two" \\\n  y=plain z="say \\"hi\\""\n', { labels: { x: 'one two', y: 'plain', z: 'say "hi"' } }],
    ['ARG substitution in FROM (global ARGs only)', 'ARG IMG=node:20\nFROM ${IMG}\n', { base: 'node:20' }],
    ['relative WORKDIR and COPY destinations', 'FROM a\nWORKDIR /app\nWORKDIR sub\nCOPY --chown=1:1 x y ./\n', { workdir: '/app/sub', copies: [{ sources: ['x', 'y'], dest: '/app/sub/./' }] }],
    ['an ENTRYPOINT after CMD clears it; a CMD after it stays', 'FROM a\nCMD ["x"]\nENTRYPOINT ["e"]\nCMD ["y"]\n', { entrypoint: ['e'], cmd: ['y'] }],
    ['ENV referring to an earlier ENV', 'FROM a\nENV A=1 B=${A}2\n', { env: { A: '1', B: '12' } }],
    ['comments inside a continued instruction', 'FROM a\nLABEL a=1 \\\n# note\n  b=2\n', { labels: { a: '1', b: '2' } }],
    ['only the final stage counts', 'FROM a AS one\nUSER 0\nFROM b\nUSER 10\n', { user: '10', stages: ['one'] }],
  ])('%s', (_, text, want) => {
    expect(parseDockerfile(text)).toMatchObject(want);
  });

  it.each([
    ['a shell-form ENTRYPOINT', 'FROM a\nENTRYPOINT node main.js\n', /Dockerfile:2: ENTRYPOINT: only the exec form/],
    ['an unnamed earlier stage', 'FROM a\nFROM b\n', /Dockerfile:2: FROM: every stage but the last must be named/],
    ['an instruction before FROM', 'USER 1\nFROM a\n', /Dockerfile:1: USER before the first FROM/],
    ['a bad EXPOSE', 'FROM a\nEXPOSE http\n', /EXPOSE: "http" is not port/],
    ['a legacy ENV', 'FROM a\nENV A 1\n', /ENV: use the ENV key=value form/],
    ['an unknown COPY flag', 'FROM a\nCOPY --parents x /y\n', /COPY: flag --parents is not supported/],
    ['no FROM', '# nothing\n', /no FROM/],
    ['an instruction it does not know', 'FROM a\nHEALTHCHECK CMD true\n', /Dockerfile:2: HEALTHCHECK: not supported/],
    ['an exec-form RUN', 'FROM a AS b\nRUN ["x"]\nFROM c\n', /Dockerfile:2: RUN: only the plain shell form/],
  ])('refuses %s, naming the line', (_, text, err) => {
    expect(() => parseDockerfile(text)).toThrow(err);
  });
});
