import { describe, expect, it } from 'vitest';
import { KubeConfig } from '@kubernetes/client-node';
import { shareConnections } from '@ironlb/core';

const kc = () => {
  const k = new KubeConfig();
  k.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://198.51.100.1:6443', skipTLSVerify: false }],
    users: [{ name: 'u', token: 't' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return k;
};

const agentOf = async (k: KubeConfig) => {
  const opts: { agent?: unknown } = {};
  await k.applyToHTTPSOptions(opts as never);
  return opts.agent as { keepAlive?: boolean; options?: { keepAlive?: boolean } } | undefined;
};

describe('shareConnections', () => {
  it('the library alone makes a new agent per request (why this exists)', async () => {
    const k = kc();
    expect(await agentOf(k)).not.toBe(await agentOf(k));
  });

  it('makes every request share one keep-alive agent', async () => {
    const k = kc();
    expect(shareConnections(k)).toBe(true);
    const a = await agentOf(k);
    expect(await agentOf(k)).toBe(a);
    expect(a?.keepAlive ?? a?.options?.keepAlive).toBe(true);
  });
});
