import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadKubeConfig } from './kubeconfig.js';

const dir = mkdtempSync(join(tmpdir(), 'ironlb-kc-'));
function file(name: string, o: { clusters: [string, string][]; contexts: [string, string][]; current?: string }): string {
  const p = join(dir, name);
  writeFileSync(p, [
    'apiVersion: v1', 'kind: Config',
    `clusters: [${o.clusters.map(([n, server]) => `{name: ${n}, cluster: {server: "${server}"}}`).join(', ')}]`,
    'users: [{name: u, user: {token: t}}]',
    `contexts: [${o.contexts.map(([n, cluster]) => `{name: ${n}, context: {cluster: ${cluster}, user: u}}`).join(', ')}]`,
    ...(o.current ? [`current-context: ${o.current}`] : []), '',
  ].join('\n'));
  return p;
}

describe('loadKubeConfig with a $KUBECONFIG list: kubectl’s merge rules', () => {
  const first = file('first', { clusters: [['c', 'https://first:6443']], contexts: [['x', 'c']], current: 'x' });
  const second = file('second', { clusters: [['c', 'https://second:6443'], ['d', 'https://d:6443']], contexts: [['x', 'd'], ['y', 'd']], current: 'y' });
  const noCurrent = file('no-current', { clusters: [['e', 'https://e:6443']], contexts: [['z', 'e']] });

  it('skips files that do not exist', () => {
    const kc = loadKubeConfig(undefined, [join(dir, 'missing'), first].join(delimiter));
    expect(kc.getCurrentCluster()?.server).toBe('https://first:6443');
  });

  it('the first file to name a cluster, user or context wins; duplicates are not an error', () => {
    const kc = loadKubeConfig(undefined, [first, second].join(delimiter));
    expect(kc.getCurrentContext()).toBe('x');
    expect(kc.getCurrentCluster()?.server).toBe('https://first:6443');
    expect(kc.getContextObject('y')?.cluster).toBe('d');
    expect(kc.clusters.map((c) => c.name)).toEqual(['c', 'd']);
  });

  it('the first current-context set wins, even from a later file', () => {
    const kc = loadKubeConfig(undefined, [noCurrent, second].join(delimiter));
    expect(kc.getCurrentContext()).toBe('y');
  });

  it('no file of the list exists: a config error naming them', () => {
    expect(() => loadKubeConfig(undefined, [join(dir, 'a'), join(dir, 'b')].join(delimiter))).toThrow(/none of the kubeconfig files exists: .*a, .*b/);
  });

  it('--kubeconfig wins over the list', () => {
    expect(loadKubeConfig(second, first).getCurrentContext()).toBe('y');
  });
});
