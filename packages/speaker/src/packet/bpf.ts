// Classic BPF programs attached with SO_ATTACH_FILTER, so the kernel hands us only ARP,
// or only ICMPv6 NS/NA, instead of every frame on a busy interface (packet-layer.md).
// Offsets assume an untagged Ethernet header, which is what AF_PACKET delivers.

export interface BpfInstruction {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

// linux/filter.h opcode pieces.
export const Bpf = {
  LD_H_ABS: 0x28, // A = u16 at [k]
  LD_B_ABS: 0x30, // A = u8 at [k]
  JEQ_K: 0x15, // pc += (A == k) ? jt : jf
  RET_K: 0x06, // accept k bytes (0 = drop)
} as const;

/** Bytes of an accepted frame the kernel copies to us: whole frames. */
export const ACCEPT_BYTES = 0x40000;

const ins = (code: number, jt: number, jf: number, k: number): BpfInstruction => ({ code, jt, jf, k });

/** Accepts ethertype 0x0806. */
export function arpFilter(): BpfInstruction[] {
  return [
    ins(Bpf.LD_H_ABS, 0, 0, 12), // 0: ethertype
    ins(Bpf.JEQ_K, 0, 1, 0x0806), // 1: ARP? → 2 : 3
    ins(Bpf.RET_K, 0, 0, ACCEPT_BYTES), // 2
    ins(Bpf.RET_K, 0, 0, 0), // 3
  ];
}

/**
 * Accepts IPv6 whose next header is ICMPv6 (58) with type NS (135) or NA (136). NAs are
 * kept for conflict detection: another MAC advertising an address we own. NDP messages
 * behind extension headers are not seen; RFC 4861 senders do not use them.
 */
export function ndpFilter(): BpfInstruction[] {
  return [
    ins(Bpf.LD_H_ABS, 0, 0, 12), // 0: ethertype
    ins(Bpf.JEQ_K, 0, 6, 0x86dd), // 1: IPv6? → 2 : 8
    ins(Bpf.LD_B_ABS, 0, 0, 14 + 6), // 2: next header
    ins(Bpf.JEQ_K, 0, 4, 58), // 3: ICMPv6? → 4 : 8
    ins(Bpf.LD_B_ABS, 0, 0, 14 + 40), // 4: ICMPv6 type
    ins(Bpf.JEQ_K, 1, 0, 135), // 5: NS → 7
    ins(Bpf.JEQ_K, 0, 1, 136), // 6: NA? → 7 : 8
    ins(Bpf.RET_K, 0, 0, ACCEPT_BYTES), // 7
    ins(Bpf.RET_K, 0, 0, 0), // 8
  ];
}
