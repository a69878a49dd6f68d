import { describe, expect, it } from 'vitest';
import { parseSpeakerFlags, wantsHelp } from './flags.js';

describe('parseSpeakerFlags', () => {
  it('has safe defaults and takes the node from $NODE_NAME and the heartbeat address from $NODE_IP', () => {
    const f = parseSpeakerFlags([], { NODE_NAME: 'n1', NODE_IP: '198.51.100.11' });
    expect(f).toMatchObject({
      node: 'n1', namespace: 'metallb-system', metricsAddr: ':7473', strictArp: 'enforce', ignoreExcludeLb: false,
      heartbeatBind: '198.51.100.11:7946', heartbeatAdvertise: '198.51.100.11:7946', heartbeatIntervalMs: 100, deadAfterMs: 400,
      leaseDurationSeconds: 15, handoffMs: 2000, drainMs: 1500,
    });
  });

  it('brackets an IPv6 node IP', () => {
    expect(parseSpeakerFlags([], { NODE_NAME: 'n1', NODE_IP: '2001:db8::11' }).heartbeatBind).toBe('[2001:db8::11]:7946');
  });

  it.each([
    [[], {}, /--node-name: required/],
    [['--node-name', 'n', '--log-level', 'loud'], {}, /--log-level: "loud"/],
    [['--node-name', 'n', '--strict-arp', 'off'], {}, /--strict-arp: "off"/],
    [['--node-name', 'n', '--heartbeat-interval', '5'], {}, /--heartbeat-interval: "5" must be a whole number from 20 to 1000/],
    [['--node-name', 'n', '--dead-after', '200'], {}, /--dead-after: 200 ms must be at least 3 x --heartbeat-interval \(300 ms\)/],
    [['--node-name', 'n', '--lease-duration', '2'], { NODE_IP: '198.51.100.11' }, /--lease-duration: "2" must be a whole number from 6 to 300/],
    [['--node-name', 'n', '--heartbeat-bind', 'nowhere'], {}, /--heartbeat-bind: "nowhere"/],
    [['--node-name', 'n'], {}, /--heartbeat-advertise: required/],
    [['--node-name', 'n', '--bogus'], {}, /Unknown option/],
    [['--node-name', 'n', '--heartbeat-bind', '1.2.3.4:99999'], {}, /--heartbeat-bind: "1.2.3.4:99999" is not ip:port .* from 1 to 65535/],
    [['--node-name', 'n', '--metrics-addr', 'nonsense'], { NODE_IP: '198.51.100.11' }, /--metrics-addr: invalid listen address "nonsense"/],
  ] as [string[], Record<string, string>, RegExp][])('rejects %j with an error naming the flag', (argv, env, re) => {
    expect(() => parseSpeakerFlags(argv, env)).toThrow(re);
  });
});

describe('wantsHelp', () => {
  it('spots --help and -h anywhere', () => {
    expect(wantsHelp(['--node-name', 'x', '--help'])).toBe(true);
    expect(wantsHelp(['-h'])).toBe(true);
    expect(wantsHelp(['--node-name', 'x'])).toBe(false);
  });
});
