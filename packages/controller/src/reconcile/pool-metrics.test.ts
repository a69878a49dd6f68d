import { describe, expect, it } from 'vitest';
import type { PoolUsage } from '../allocator/index.js';
import { createControllerMetrics } from '../metrics.js';
import { updatePoolGauges } from './pool-metrics.js';

const usage = (pool: string, v4: [bigint, bigint], v6: [bigint, bigint]): PoolUsage => ({
  pool,
  totalIPv4: v4[0],
  assignedIPv4: v4[1],
  availableIPv4: v4[0] - v4[1],
  totalIPv6: v6[0],
  assignedIPv6: v6[1],
  availableIPv6: v6[0] - v6[1],
});

async function series(m: ReturnType<typeof createControllerMetrics>, name: string): Promise<Record<string, number>> {
  const metric = (await m.registry.getMetricsAsJSON()).find((x) => x.name === name) as { values: { labels: { pool?: string }; value: number }[] } | undefined;
  return Object.fromEntries((metric?.values ?? []).map((v) => [v.labels.pool ?? '', v.value]));
}

describe('updatePoolGauges', () => {
  it('sets totals and in-use per family, saturating a /64', async () => {
    const m = createControllerMetrics();
    const seen = updatePoolGauges(m, new Map([['blue', usage('blue', [16n, 3n], [1n << 64n, 2n])]]), new Set());
    expect([...seen]).toEqual(['blue']);
    expect(await series(m, 'metallb_allocator_addresses_in_use_total')).toEqual({ blue: 5 });
    expect(await series(m, 'metallb_allocator_ipv4_addresses_in_use_total')).toEqual({ blue: 3 });
    expect(await series(m, 'metallb_allocator_ipv6_addresses_total')).toEqual({ blue: Number.MAX_SAFE_INTEGER });
  });

  it('removes the series of a pool that is gone, keeping the others', async () => {
    const m = createControllerMetrics();
    const first = updatePoolGauges(m, new Map([['blue', usage('blue', [4n, 1n], [0n, 0n])], ['red', usage('red', [2n, 2n], [0n, 0n])]]), new Set());
    const second = updatePoolGauges(m, new Map([['blue', usage('blue', [4n, 2n], [0n, 0n])]]), first);
    expect([...second]).toEqual(['blue']);
    for (const name of ['metallb_allocator_addresses_total', 'metallb_allocator_addresses_in_use_total', 'metallb_allocator_ipv4_addresses_total', 'metallb_allocator_ipv4_addresses_in_use_total', 'metallb_allocator_ipv6_addresses_total', 'metallb_allocator_ipv6_addresses_in_use_total']) {
      expect(Object.keys(await series(m, name)), name).toEqual(['blue']);
    }
    expect(await series(m, 'metallb_allocator_addresses_in_use_total')).toEqual({ blue: 2 });
  });
});
