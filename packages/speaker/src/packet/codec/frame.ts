// One entry point for whatever a packet socket delivers: dispatch on the ethertype.
import { decodeArpFrame, type ArpFrame } from './arp.js';
import { fail, type DecodeResult } from './decode-result.js';
import { EtherType, readEtherType } from './ethernet.js';
import { decodeNdpFrame, type NdpFrame } from './ndp.js';

export type DecodedFrame = ArpFrame | NdpFrame;

export function decodeFrame(bytes: Uint8Array): DecodeResult<DecodedFrame> {
  const etherType = readEtherType(bytes);
  if (etherType === undefined) return fail('truncated');
  if (etherType === EtherType.Arp) return decodeArpFrame(bytes);
  if (etherType === EtherType.Ipv6) return decodeNdpFrame(bytes);
  return fail('unsupported-ethertype');
}
