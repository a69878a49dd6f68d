import { describe, expect, it } from 'vitest';
import { matchAnyLabelSelector, matchLabelSelector, validateLabelSelector, checkLabelKey } from './label-selector.js';
import type { LabelSelector } from './metallb-types.js';

const labels = { app: 'web', tier: 'front', 'example.com/team': 'blue' };

describe('matchLabelSelector', () => {
  it.each<[string, LabelSelector, boolean]>([
    ['empty selector matches everything', {}, true],
    ['matchLabels all equal', { matchLabels: { app: 'web', tier: 'front' } }, true],
    ['matchLabels one differs', { matchLabels: { app: 'web', tier: 'back' } }, false],
    ['matchLabels missing key', { matchLabels: { env: 'prod' } }, false],
    ['In hit', { matchExpressions: [{ key: 'app', operator: 'In', values: ['db', 'web'] }] }, true],
    ['In miss', { matchExpressions: [{ key: 'app', operator: 'In', values: ['db'] }] }, false],
    ['In on absent key', { matchExpressions: [{ key: 'env', operator: 'In', values: ['x'] }] }, false],
    ['NotIn hit', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['db'] }] }, true],
    ['NotIn miss', { matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['web'] }] }, false],
    ['NotIn on absent key matches', { matchExpressions: [{ key: 'env', operator: 'NotIn', values: ['x'] }] }, true],
    ['Exists', { matchExpressions: [{ key: 'example.com/team', operator: 'Exists' }] }, true],
    ['Exists absent', { matchExpressions: [{ key: 'env', operator: 'Exists' }] }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'env', operator: 'DoesNotExist' }] }, true],
    ['DoesNotExist present', { matchExpressions: [{ key: 'app', operator: 'DoesNotExist' }] }, false],
    ['labels and expressions are ANDed', { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['back'] }] }, false],
  ])('%s', (_name, selector, want) => expect(matchLabelSelector(selector, labels)).toBe(want));

  it('does not treat inherited properties as labels', () => {
    expect(matchLabelSelector({ matchExpressions: [{ key: 'toString', operator: 'Exists' }] }, {})).toBe(false);
  });

  it('matchAny ORs a list; an empty list matches nothing', () => {
    expect(matchAnyLabelSelector([{ matchLabels: { app: 'db' } }, { matchLabels: { app: 'web' } }], labels)).toBe(true);
    expect(matchAnyLabelSelector([], labels)).toBe(false);
  });
});

describe('validateLabelSelector', () => {
  it.each<[string, unknown]>([
    ['empty', {}],
    ['labels', { matchLabels: { app: 'web', 'example.com/x': '' } }],
    ['expressions', { matchExpressions: [{ key: 'app', operator: 'In', values: ['a', 'b'] }, { key: 'x', operator: 'Exists' }] }],
  ])('accepts %s', (_n, sel) => expect(validateLabelSelector(sel, 'IPAddressPool ns/p', 'sel')).toEqual([]));

  it.each<[string, unknown, string, string]>([
    ['not an object', 'app=web', 'sel', 'is an object'],
    ['bad key', { matchLabels: { '-bad': 'x' } }, 'sel.matchLabels', 'invalid label key'],
    ['bad prefix', { matchLabels: { 'Bad_Prefix/x': 'y' } }, 'sel.matchLabels', 'DNS subdomain'],
    ['bad value', { matchLabels: { app: 'has space' } }, 'sel.matchLabels[app]', 'invalid label value'],
    ['long value', { matchLabels: { app: 'a'.repeat(64) } }, 'sel.matchLabels[app]', 'at most 63'],
    ['bad operator', { matchExpressions: [{ key: 'app', operator: 'Equals', values: ['x'] }] }, 'sel.matchExpressions[0].operator', 'one of In, NotIn'],
    ['In without values', { matchExpressions: [{ key: 'app', operator: 'In' }] }, 'sel.matchExpressions[0].values', 'at least one value'],
    ['Exists with values', { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['x'] }] }, 'sel.matchExpressions[0].values', 'takes no values'],
    ['expressions not a list', { matchExpressions: { key: 'a' } }, 'sel.matchExpressions', 'must be a list'],
    ['bad expression value', { matchExpressions: [{ key: 'app', operator: 'In', values: ['ok', '!'] }] }, 'sel.matchExpressions[0].values[1]', 'invalid label value'],
  ])('rejects %s', (_n, sel, field, text) => {
    const problems = validateLabelSelector(sel, 'IPAddressPool ns/p', 'sel');
    expect(problems.length).toBeGreaterThan(0);
    expect(problems[0]).toMatchObject({ object: 'IPAddressPool ns/p', field, code: 'IRONLB_INVALID_SELECTOR', reason: 'invalid-selector' });
    expect(problems[0]?.message).toContain(text);
    expect(problems[0]?.message).toContain('IPAddressPool ns/p');
  });

  it('checks label keys like apimachinery', () => {
    expect(checkLabelKey('app.kubernetes.io/name')).toBeUndefined();
    expect(checkLabelKey('a')).toBeUndefined();
    expect(checkLabelKey('/name')).toBeDefined();
    expect(checkLabelKey('x/')).toBeDefined();
    expect(checkLabelKey('a'.repeat(64))).toBeDefined();
  });
});
