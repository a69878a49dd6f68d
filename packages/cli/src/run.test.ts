import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '@ironlb/core';
import { run } from './run.js';

async function runWith(argv: string[], kubeconfigEnv?: string): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await run({ argv, out: (t) => (out += t), err: (t) => (err += t), clock: systemClock, ...(kubeconfigEnv ? { kubeconfigEnv } : {}) });
  return { code, out, err };
}

describe('a kubeconfig that cannot be used is a usage error (exit 2) naming the file, before any API call', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ironlb-cli-'));
  const empty = join(dir, 'empty');
  writeFileSync(empty, '');
  const noCurrent = join(dir, 'no-current');
  writeFileSync(noCurrent, [
    'apiVersion: v1', 'kind: Config',
    'clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]',
    'users: [{name: u, user: {token: x}}]',
    'contexts: [{name: x, context: {cluster: c, user: u}}]', '',
  ].join('\n'));
  const danglingContext = join(dir, 'dangling');
  writeFileSync(danglingContext, [
    'apiVersion: v1', 'kind: Config', 'clusters: []',
    'users: [{name: u, user: {token: x}}]',
    'contexts: [{name: x, context: {cluster: gone, user: u}}]', 'current-context: x', '',
  ].join('\n'));

  it.each([
    ['missing file', join(dir, 'nope'), /^error: cannot load kubeconfig .*nope: ENOENT/],
    ['empty file', empty, /^error: cannot load kubeconfig .*empty: it is not a kubeconfig/],
    ['no current-context', noCurrent, /^error: kubeconfig .*no-current names no cluster for its current context \(current-context is not set\)/],
    ['context naming a cluster that is not there', danglingContext, /^error: kubeconfig .*dangling names no cluster for context "x"/],
  ])('%s', async (_name, file, message) => {
    const r = await runWith(['status', '--kubeconfig', file]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
    expect(r.err).not.toMatch(/Cannot read properties|No active cluster/);
    expect(r.out).toBe('');
  });

  it('a $KUBECONFIG list none of whose files exists', async () => {
    const r = await runWith(['status'], `${join(dir, 'a')}:${join(dir, 'b')}`);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^error: cannot load kubeconfig \$KUBECONFIG \(.*\): none of the kubeconfig files exists/);
  });
});
