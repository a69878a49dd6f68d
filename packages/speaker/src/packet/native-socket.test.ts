import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCodes } from '@ironlb/core';
import { arpFilter, ndpFilter } from './bpf.js';
import { interfaceInfo, nativeStats, openPacketSocket } from './native-socket.js';
import { isPermissionError, PacketSocketError } from './socket-error.js';

// These tests open AF_PACKET sockets on `lo` of the current namespace and bind them.
// Only the POLLERR test sends, on `lo` and with the IEEE local-experimental ethertype
// 0x88b5, which no protocol stack consumes: nothing leaves the namespace.
const addonPath = fileURLToPath(new URL('../../build/Release/ironlb_packet.node', import.meta.url));
const addonBuilt = existsSync(addonPath);
const CAP_NET_RAW = 13;
const hasNetRaw = (() => {
  const m = /^CapEff:\s*([0-9a-f]+)$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return m !== null && (BigInt(`0x${m[1]}`) & (1n << BigInt(CAP_NET_RAW))) !== 0n;
})();
const fdCount = (): number => readdirSync('/proc/self/fd').length;
const noop = (): void => {};

const EXPERIMENTAL_ETHERTYPE = 0x88b5; // IEEE 802 local experimental ethertype 1

interface RawTestSocket {
  send(frame: Uint8Array): number;
  close(): void;
  enableTxTimestamps(): void;
}
type RawSocketCtor = new (options: {
  iface: string;
  protocol: number;
  onFrame: (frame: Uint8Array, packetType: number) => void;
  onError: (error: Error & { code?: string; stopped?: boolean }) => void;
}) => RawTestSocket;

async function settled(): Promise<{ liveSockets: number; pendingCloses: number }> {
  for (let i = 0; i < 500; i++) {
    const s = nativeStats();
    if (s.liveSockets === 0 && s.pendingCloses === 0) return s;
    await sleep(10);
  }
  return nativeStats();
}

describe.skipIf(!addonBuilt)('native addon without privileges', () => {
  it('reads interface facts through ioctl', () => {
    const lo = interfaceInfo('lo');
    expect(lo).toMatchObject({ name: 'lo', ifindex: 1, mac: '00:00:00:00:00:00', hwType: 772 });
    expect(lo.flags & 0x1).toBe(1); // IFF_UP
  });

  it('reports a missing interface as ENODEV with its name', () => {
    const e = (() => {
      try {
        interfaceInfo('ironlb-nope0');
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(PacketSocketError);
    expect(e).toMatchObject({ code: ErrorCodes.SocketOpen, errno: 'ENODEV', iface: 'ironlb-nope0' });
  });

  it('says CAP_NET_RAW is required when it is missing', { timeout: 30_000 }, () => {
    if (!existsSync('/usr/bin/setpriv')) return;
    const script = `
      import { openPacketSocket } from ${JSON.stringify(fileURLToPath(new URL('./native-socket.ts', import.meta.url)))};
      try { openPacketSocket({ iface: 'lo', protocol: 0x0806, onFrame() {} }); console.log('opened'); }
      catch (e) { console.log(JSON.stringify({ code: e.code, errno: e.errno, iface: e.iface, message: e.message })); }`;
    const out = execFileSync(
      'setpriv',
      ['--inh-caps=-net_raw', '--bounding-set=-net_raw', process.execPath, '--import', 'tsx', '--conditions=ironlb-source', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { code: string; errno: string; iface: string; message: string };
    expect(result).toMatchObject({ code: ErrorCodes.SocketOpen, errno: 'EPERM', iface: 'lo' });
    expect(result.message).toContain('CAP_NET_RAW');
  });
});

describe.skipIf(!addonBuilt || !hasNetRaw)('native packet socket on lo', () => {
  it('opens with a filter, reports interface facts, joins and leaves a group, closes idempotently', async () => {
    const s = openPacketSocket({ iface: 'lo', protocol: 0x86dd, filter: ndpFilter(), onFrame: noop });
    expect(s).toMatchObject({ iface: 'lo', ifindex: 1, mac: '00:00:00:00:00:00', hwType: 772 });
    s.addMembership('33:33:ff:00:00:10');
    s.dropMembership('33:33:ff:00:00:10');
    s.close();
    s.close();
    expect(() => s.send(new Uint8Array(60))).toThrow(expect.objectContaining({ errno: 'EBADF', code: ErrorCodes.SocketIo }));
    expect(await settled()).toEqual({ liveSockets: 0, pendingCloses: 0 });
  });

  it('rejects a filter the kernel refuses, without leaking the fd', async () => {
    const before = fdCount();
    const bad = [{ code: 0x15, jt: 9, jf: 9, k: 0 }]; // jumps out of the program
    expect(() => openPacketSocket({ iface: 'lo', protocol: 0x0806, filter: bad, onFrame: noop })).toThrow(
      expect.objectContaining({ errno: 'EINVAL', syscall: 'setsockopt(SO_ATTACH_FILTER)' }),
    );
    await settled();
    expect(fdCount()).toBe(before);
  });

  it('rejects a missing interface as ENODEV', () => {
    let caught: unknown;
    try {
      openPacketSocket({ iface: 'ironlb-nope0', protocol: 0x0806, onFrame: noop });
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ errno: 'ENODEV', iface: 'ironlb-nope0' });
    expect(isPermissionError(caught)).toBe(false);
  });

  it('opens and closes 10,000 sockets without leaking fds or poll handles', { timeout: 120_000 }, async () => {
    await settled();
    const before = fdCount();
    for (let i = 0; i < 10_000; i++) {
      const s = openPacketSocket({ iface: 'lo', protocol: i % 2 ? 0x0806 : 0x86dd, filter: i % 2 ? arpFilter() : ndpFilter(), onFrame: noop });
      s.close();
      // Closing waits for an RCU grace period in the kernel; let the closer threads keep
      // up instead of queueing thousands of fds (and let uv_close callbacks run).
      if (i % 64 === 63) {
        await sleep(0);
        while (nativeStats().pendingCloses > 256) await sleep(5);
      }
    }
    expect(await settled()).toEqual({ liveSockets: 0, pendingCloses: 0 });
    expect(fdCount()).toBe(before);
  });

  it('closes the sockets of a worker that exits with them open (env cleanup hook)', { timeout: 30_000 }, async () => {
    await settled();
    const before = fdCount();
    const code = `
      const { parentPort } = require('node:worker_threads');
      const b = require(${JSON.stringify(addonPath)});
      for (let i = 0; i < 10; i++) new b.RawSocket({ iface: 'lo', protocol: 0x0806, onFrame() {}, onError() {} });
      parentPort.postMessage(b.stats().liveSockets);`;
    for (let round = 0; round < 3; round++) {
      const worker = new Worker(code, { eval: true });
      const live = await new Promise((resolve) => worker.once('message', resolve));
      expect(live).toBeGreaterThanOrEqual(10);
      await worker.terminate(); // the open poll handles would otherwise keep it alive
    }
    expect(await settled()).toEqual({ liveSockets: 0, pendingCloses: 0 });
    expect(fdCount()).toBe(before);
  });

  it('drains the error queue on POLLERR instead of spinning, and keeps receiving', { timeout: 30_000 }, async () => {
    // Transmit timestamps land on the socket's error queue: the kernel then signals POLLERR
    // with SO_ERROR 0 until the queue is read. libuv reports POLLERR as an error and stops the
    // poll; re-arming it without draining the queue used to spin, calling onError forever and
    // never reading frames again.
    const { RawSocket } = createRequire(import.meta.url)(addonPath) as { RawSocket: RawSocketCtor };
    const errors: string[] = [];
    let received = 0;
    const sender = new RawSocket({
      iface: 'lo',
      protocol: EXPERIMENTAL_ETHERTYPE,
      onFrame: () => void received++,
      onError: (e) => void errors.push(`${e.code}${e.stopped ? ' stopped' : ''}`),
    });
    try {
      sender.enableTxTimestamps();
      const frame = new Uint8Array(60);
      frame.set([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, EXPERIMENTAL_ETHERTYPE >> 8, EXPERIMENTAL_ETHERTYPE & 0xff]);
      for (let i = 0; i < 20; i++) {
        sender.send(frame);
        await sleep(5);
      }
      // Each frame comes back in on lo (PACKET_HOST), queued behind its timestamp.
      for (let i = 0; i < 200 && received < 20; i++) await sleep(10);
      await sleep(100);
      expect(errors).toEqual([]);
      expect(received).toBe(20);
    } finally {
      sender.close();
    }
    expect(await settled()).toEqual({ liveSockets: 0, pendingCloses: 0 });
  });
});
