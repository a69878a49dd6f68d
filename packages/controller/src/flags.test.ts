import { describe, expect, it } from 'vitest';
import { parseControllerFlags, wantsHelp } from './flags.js';

describe('parseControllerFlags', () => {
  it('has MetalLB-compatible defaults', () => {
    expect(parseControllerFlags([], {}, 'host-a')).toEqual({
      namespace: 'metallb-system',
      lbClass: undefined,
      metricsAddr: ':7472',
      logLevel: 'info',
      kubeconfig: undefined,
      leaseName: 'ironlb-controller',
      identity: 'host-a',
      leaseDurationSeconds: 15,
    });
  });

  it('takes flags over env and env over hostname', () => {
    const f = parseControllerFlags(['--namespace', 'lb', '--lb-class', 'ironlb.io/l2', '--kubeconfig', '/k'], { KUBECONFIG: '/env', POD_NAME: 'pod-1' }, 'h');
    expect(f).toMatchObject({ namespace: 'lb', lbClass: 'ironlb.io/l2', kubeconfig: '/k', identity: 'pod-1' });
  });

  it.each([
    [['--log-level', 'loud'], /--log-level: "loud"/],
    [['--lease-duration', '1'], /--lease-duration: "1"/],
    [['--lb-class', ' '], /--lb-class: must not be empty/],
    [['--bogus'], /bogus/],
  ])('rejects %j with a message naming the flag', (argv, msg) => {
    expect(() => parseControllerFlags(argv, {}, 'h')).toThrow(msg);
  });

  it('recognises --help and -h', () => {
    expect(wantsHelp(['--help'])).toBe(true);
    expect(wantsHelp(['--namespace', 'x', '-h'])).toBe(true);
    expect(wantsHelp(['--namespace', 'x'])).toBe(false);
  });
});
