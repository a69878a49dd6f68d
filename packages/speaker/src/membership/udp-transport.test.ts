import { describe, expect, it } from 'vitest';
import { isIronlbError } from '@ironlb/core';
import { openHeartbeatSocket, parseEndpoint } from './udp-transport.js';

describe('parseEndpoint', () => {
  it.each([
    ['10.0.0.1:7947', { ip: '10.0.0.1', port: 7947, family: 4 }],
    ['[2001:db8::1]:7947', { ip: '2001:db8::1', port: 7947, family: 6 }],
    ['[2001:DB8:0::1]:0', { ip: '2001:db8::1', port: 0, family: 6 }],
  ])('%s', (s, want) => expect(parseEndpoint(s)).toEqual(want));

  it.each(['10.0.0.1', '10.0.0.1:65536', '2001:db8::1:7947', '[10.0.0.1]:1', 'host:80', '[::1]:', ':80', '10.0.0.256:1'])('rejects %s', (s) => {
    expect(parseEndpoint(s)).toBeUndefined();
  });
});

describe('openHeartbeatSocket (loopback)', () => {
  it('exchanges a datagram between two sockets on 127.0.0.1', async () => {
    const got: Uint8Array[] = [];
    let arrived!: () => void;
    const done = new Promise<void>((r) => (arrived = r));
    const a = await openHeartbeatSocket('127.0.0.1:0', () => {});
    const b = await openHeartbeatSocket('127.0.0.1:0', (bytes) => {
      got.push(bytes.slice());
      arrived();
    });
    try {
      expect(b.address).toMatch(/^127\.0\.0\.1:\d+$/);
      a.send(b.address, new Uint8Array([1, 2, 3]));
      await done;
      expect(got).toEqual([new Uint8Array([1, 2, 3])]);
      expect(b.stats().received).toBe(1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('counts send failures instead of throwing', async () => {
    const a = await openHeartbeatSocket('127.0.0.1:0', () => {});
    a.send('not an address', new Uint8Array([1]));
    a.send('[::1]:9', new Uint8Array([1])); // IPv6 target from a udp4 socket
    await a.close();
    a.send('127.0.0.1:9', new Uint8Array([1])); // after close
    expect(a.stats().sendErrors).toBe(3);
    await a.close(); // twice is fine
  });

  it('rejects a malformed bind address (Config) and a failed bind (SocketOpen)', async () => {
    await expect(openHeartbeatSocket('localhost:1', () => {})).rejects.toSatisfy((e: unknown) => isIronlbError(e, 'IRONLB_CONFIG'));
    const a = await openHeartbeatSocket('127.0.0.1:0', () => {});
    try {
      await expect(openHeartbeatSocket(a.address, () => {})).rejects.toSatisfy((e: unknown) => isIronlbError(e, 'IRONLB_SOCKET_OPEN'));
    } finally {
      await a.close();
    }
  });
});
