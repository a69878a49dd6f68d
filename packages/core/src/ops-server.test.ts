import { afterEach, describe, expect, it } from 'vitest';
import { parseListenAddress, startOpsServer, type OpsServer } from './ops-server.js';

describe('parseListenAddress', () => {
  it.each([
    [':7472', { host: undefined, port: 7472 }],
    ['127.0.0.1:9', { host: '127.0.0.1', port: 9 }],
    ['[::1]:80', { host: '::1', port: 80 }],
  ])('%s', (input, want) => expect(parseListenAddress(input)).toEqual(want));

  it.each(['7472', 'host', ':99999', '[::1]'])('rejects %s naming the value', (bad) => {
    expect(() => parseListenAddress(bad)).toThrow(bad);
  });
});

describe('startOpsServer', () => {
  let s: OpsServer | undefined;
  afterEach(async () => s?.close());

  it('serves metrics, health and readiness with reasons', async () => {
    let reasons = ['caches not synced'];
    s = await startOpsServer('127.0.0.1:0', {
      metrics: async () => ({ contentType: 'text/plain; version=0.0.4', body: 'x_total 1\n' }),
      notReady: () => reasons,
    });
    const get = (p: string) => fetch(`http://${s!.address}${p}`);
    expect(await (await get('/metrics')).text()).toBe('x_total 1\n');
    expect((await get('/healthz')).status).toBe(200);
    const notReady = await get('/readyz');
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toContain('caches not synced');
    reasons = [];
    expect((await get('/readyz')).status).toBe(200);
    expect((await get('/nope')).status).toBe(404);
  });
});
