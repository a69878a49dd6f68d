import { describe, expect, it } from 'vitest';
import type { ServiceL2Status } from '@ironlb/core';
import { l2StatusName, planL2Statuses, statusOf } from './l2-status.js';

const obj = (node: string, ns: string, name: string, interfaces = ['eth0']): ServiceL2Status => ({
  metadata: { name: l2StatusName(node, ns, name), labels: { 'metallb.io/node': node, 'metallb.io/service-name': name, 'metallb.io/service-namespace': ns } },
  status: statusOf(node, { namespace: ns, name, interfaces }),
});

describe('planL2Statuses', () => {
  it('creates what is missing, updates what differs, deletes what is no longer ours', () => {
    const plan = planL2Statuses('n1', [obj('n1', 'a', 'keep'), obj('n1', 'a', 'moved', ['eth0']), obj('n1', 'a', 'gone')], [
      { namespace: 'a', name: 'keep', interfaces: ['eth0'] },
      { namespace: 'a', name: 'moved', interfaces: ['eth1'] },
      { namespace: 'a', name: 'new', interfaces: ['eth0'] },
    ]);
    expect(plan.create.map((c) => c.want.name)).toEqual(['new']);
    expect(plan.update.map((c) => c.want.name)).toEqual(['moved']);
    expect(plan.remove).toEqual([l2StatusName('n1', 'a', 'gone')]);
  });

  it('leaves live nodes\' objects alone and removes a dead node\'s for a Service we now announce', () => {
    const existing = [obj('n2', 'a', 'web'), obj('n3', 'a', 'web'), obj('n3', 'a', 'other')];
    const plan = planL2Statuses('n1', existing, [{ namespace: 'a', name: 'web', interfaces: ['eth0'] }], { live: new Set(['n1', 'n2']), services: new Set(['a/web', 'a/other']), janitor: false });
    expect(plan.remove).toEqual([l2StatusName('n3', 'a', 'web')]);
  });

  it('lets only the janitor remove a dead node\'s object for a Service that is gone', () => {
    const existing = [obj('n3', 'a', 'deleted')];
    const others = { live: new Set(['n1', 'n2']), services: new Set<string>() };
    expect(planL2Statuses('n1', existing, [], { ...others, janitor: true }).remove).toEqual([l2StatusName('n3', 'a', 'deleted')]);
    expect(planL2Statuses('n2', existing, [], { ...others, janitor: false }).remove).toEqual([]);
  });

  it('names objects deterministically within the length limit', () => {
    const n = l2StatusName('node-1', 'ns', 'x'.repeat(63));
    expect(n).toBe(l2StatusName('node-1', 'ns', 'x'.repeat(63)));
    expect(n.length).toBeLessThanOrEqual(63);
    expect(n).not.toBe(l2StatusName('node-2', 'ns', 'x'.repeat(63)));
  });
});
