import { describe, expect, it } from 'vitest';
import type { V1Service } from '@kubernetes/client-node';
import { withoutManagedFields } from './informer.js';

describe('withoutManagedFields', () => {
  it('drops metadata.managedFields and keeps everything else', () => {
    const svc: V1Service = {
      metadata: { name: 'a', namespace: 'n', annotations: { x: 'y' }, managedFields: [{ manager: 'kubectl', operation: 'Apply' }] },
      spec: { type: 'LoadBalancer' },
    };
    expect(withoutManagedFields(svc)).toEqual({ metadata: { name: 'a', namespace: 'n', annotations: { x: 'y' } }, spec: { type: 'LoadBalancer' } });
    expect(withoutManagedFields({ metadata: { name: 'b' } })).toEqual({ metadata: { name: 'b' } });
    expect(withoutManagedFields({})).toEqual({});
  });
});
