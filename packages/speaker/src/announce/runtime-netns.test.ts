import { describe, it, expect } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The one test that puts frames on a wire: a veth pair inside an anonymous network
// namespace (`unshare -n`) that disappears with the child process. It proves the whole
// path — BPF filter, uv_poll receive, MakeCallback, decode, state machine, sendto — with
// the kernel in the loop. Needs root (CAP_SYS_ADMIN for unshare, CAP_NET_RAW), ip(8), and
// the built addon; skipped otherwise.
const script = fileURLToPath(new URL('../packet/test-support/netns-smoke.ts', import.meta.url));
const addon = fileURLToPath(new URL('../../build/Release/ironlb_packet.node', import.meta.url));
const canRun =
  process.getuid?.() === 0 && existsSync(addon) && spawnSync('unshare', ['-n', 'true']).status === 0 && spawnSync('ip', ['-V']).status === 0;

describe.skipIf(!canRun)('responder in a private network namespace', () => {
  it('answers ARP and NS (multicast and unicast) for owned IPs, and nothing after withdrawal', { timeout: 60_000 }, () => {
    const out = execFileSync('unshare', ['-n', process.execPath, '--import', 'tsx', '--conditions=ironlb-source', script], {
      encoding: 'utf8',
      env: { ...process.env, IRONLB_PARENT_NETNS: readlinkSync('/proc/self/ns/net') },
    });
    const result = JSON.parse(out.trim().split('\n').at(-1)!) as { announced: string[]; afterWithdrawal: string[]; counters: unknown; native: unknown };
    const S = '00:00:5e:00:53:0a';
    const C = '00:00:5e:00:53:0b';
    expect(result.announced.sort()).toEqual(
      [
        `arp op1 198.51.100.10 ${S}→ff:ff:ff:ff:ff:ff`, // gratuitous, request form
        `arp op2 198.51.100.10 ${S}→ff:ff:ff:ff:ff:ff`, // gratuitous, reply form
        `na 2001:db8::10 ${S}→33:33:00:00:00:01 S=false O=true`, // unsolicited NA
        `arp op2 198.51.100.10 ${S}→${C}`, // reply to the request
        `na 2001:db8::10 ${S}→${C} S=true O=true`, // answer to the multicast NS
        `na 2001:db8::10 ${S}→${C} S=true O=true`, // answer to the unicast NS
      ].sort(),
    );
    expect(result.afterWithdrawal).toEqual([]);
    expect(result.counters).toMatchObject({
      perIp: {
        '198.51.100.10': { requestsReceived: 1, responsesSent: 1, gratuitousSent: 2 },
        '2001:db8::10': { requestsReceived: 2, responsesSent: 2, gratuitousSent: 1 },
      },
    });
    expect(result.native).toEqual({ liveSockets: 0, pendingCloses: 0 });
  });
});
