// Property: over any history of edits (valid or not), controller restarts (memory lost)
// and annotation writes that may or may not have landed before the restart, the pool the
// allocator uses is always the latest valid version whose persistence landed or that this
// process saw, and never nothing once a valid version was persisted.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { IPAddressPool } from '@ironlb/core';
import { LastValidSpecAnnotation, decodeLastValidSpec, encodeLastValidSpec, lastValidSpecWrites, resolvePoolConfig, type LastGood } from './pool-config.js';

type Step = { kind: 'edit'; valid: boolean; n: number } | { kind: 'flush' } | { kind: 'restart' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant('edit' as const), valid: fc.boolean(), n: fc.integer({ min: 0, max: 15 }) }),
  fc.constant({ kind: 'flush' as const }),
  fc.constant({ kind: 'restart' as const }),
);

const specOf = (valid: boolean, n: number) => ({ addresses: valid ? [`203.0.113.${n * 4}/30`] : [`203.0.113.${n * 4}/30`, `203.0.113.${n * 4 + 1}/32`] });

describe('last valid version over random histories', () => {
  it('is always the newest valid version this process saw or that was persisted', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const obj: IPAddressPool = { metadata: { name: 'p', namespace: 'm', generation: 1, annotations: {} }, spec: specOf(true, 0) };
        let memory: LastGood = new Map();
        let seen: number | undefined; // generation of the newest valid version this process saw
        let persisted: number | undefined;
        const validGens = new Map<number, number>([[1, 0]]); // generation -> n
        const check = () => {
          const cfg = resolvePoolConfig([obj], memory);
          memory = cfg.lastGood;
          const gen = obj.metadata.generation!;
          if (validGens.has(gen)) seen = gen;
          const want = Math.max(seen ?? -1, persisted ?? -1);
          const used = cfg.pools[0]?.ipv4[0]?.normalized;
          if (want < 0) expect(used).toBeUndefined();
          else expect(used).toBe(`203.0.113.${validGens.get(want)! * 4}/30`);
        };
        check();
        for (const s of steps) {
          if (s.kind === 'edit') {
            obj.metadata.generation! += 1;
            obj.spec = specOf(s.valid, s.n);
            if (s.valid) validGens.set(obj.metadata.generation!, s.n);
          } else if (s.kind === 'flush') {
            for (const w of lastValidSpecWrites([obj], { lastGood: memory })) {
              obj.metadata.annotations![LastValidSpecAnnotation] = w.value;
              const d = decodeLastValidSpec(obj);
              persisted = d.kind === 'ok' ? d.last.generation : persisted;
            }
          } else {
            memory = new Map();
            seen = undefined;
          }
          check();
        }
      }),
      { numRuns: 500 },
    );
  });

  it('decodes what it encodes, for any valid spec shape', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 63 }), fc.boolean(), fc.boolean(), fc.option(fc.integer({ min: 1, max: 1e6 }), { nil: undefined }), (n, autoAssign, avoidBuggyIPs, generation) => {
        const spec = { addresses: [`203.0.113.${n * 4}/30`], autoAssign, avoidBuggyIPs };
        const obj: IPAddressPool = { metadata: { name: 'p', annotations: { [LastValidSpecAnnotation]: encodeLastValidSpec(generation, spec) } }, spec: { addresses: ['bad'] } };
        const d = decodeLastValidSpec(obj);
        expect(d.kind).toBe('ok');
        if (d.kind === 'ok') {
          expect(d.last.generation).toBe(generation);
          expect(d.last.spec).toEqual(spec);
          expect(d.last.view).toMatchObject({ autoAssign, avoidBuggyIPs });
        }
      }),
    );
  });
});
