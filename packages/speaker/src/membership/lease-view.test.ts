import { combineLiveness } from '@ironlb/core';
import { describe, expect, it } from 'vitest';
import { machine } from './test-support/fixtures.js';

// LeaseView and combineLiveness live in core (the CLI judges liveness with them too);
// this checks the speaker's Membership plugs into combineLiveness.
describe('combineLiveness with a Membership', () => {
  it('takes the heartbeat verdict from the Membership', () => {
    const { m } = machine('me', ['a', 'b']);
    expect(combineLiveness(new Set(['a']), m, 'me')).toEqual(new Set(['me', 'a']));
  });
});
