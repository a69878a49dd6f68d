import { describe, it, expect } from 'vitest';
import { formatMac, isMulticastMac, macBytes, normalizeMac, parseMac } from './mac.js';

describe('MAC addresses', () => {
  it.each([
    ['00:00:5e:00:53:01', [0x00, 0x00, 0x5e, 0x00, 0x53, 0x01]],
    ['FF-FF-FF-FF-FF-FF', [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]],
    ['33:33:Ff:00:00:10', [0x33, 0x33, 0xff, 0x00, 0x00, 0x10]],
  ])('parses %s', (text, bytes) => {
    expect(Array.from(parseMac(text)!)).toEqual(bytes);
  });

  it.each(['', '00:00:5e:00:53', '00:00:5e:00:53:01:02', '00:00:5e-00:53:01', 'zz:00:5e:00:53:01', '0:0:5e:0:53:1', ' 00:00:5e:00:53:01'])(
    'rejects %j',
    (text) => {
      expect(parseMac(text)).toBeUndefined();
      expect(() => macBytes(text)).toThrow(TypeError);
    },
  );

  it('formats at an offset, lowercase', () => {
    expect(formatMac(Uint8Array.from([9, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff]), 1)).toBe('aa:bb:cc:dd:ee:ff');
    expect(normalizeMac('AA-BB-CC-DD-EE-FF')).toBe('aa:bb:cc:dd:ee:ff');
  });

  it.each([
    ['ff:ff:ff:ff:ff:ff', true],
    ['33:33:00:00:00:01', true],
    ['01:00:5e:00:00:01', true],
    ['00:00:5e:00:53:01', false],
    ['02:00:00:00:00:01', false],
  ])('%s multicast=%s', (mac, expected) => {
    expect(isMulticastMac(mac)).toBe(expected);
  });
});
