// Kubernetes label selectors (metav1.LabelSelector), matched the way apimachinery does:
// matchLabels and matchExpressions are ANDed, {} matches everything. Validation follows
// apimachinery's rules so a selector we accept is one the API server would accept.
import { ErrorCodes } from './errors.js';
import { makeProblem, type Problem } from './problems.js';
import type { LabelSelector, LabelSelectorRequirement } from './metallb-types.js';

export type Labels = Readonly<Record<string, string>>;

const OPERATORS = new Set(['In', 'NotIn', 'Exists', 'DoesNotExist']);
const NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

function has(labels: Labels, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(labels, key);
}

function matchRequirement(req: LabelSelectorRequirement, labels: Labels): boolean {
  const present = has(labels, req.key);
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return present && values.includes(labels[req.key] as string);
    case 'NotIn':
      return !present || !values.includes(labels[req.key] as string);
    case 'Exists':
      return present;
    case 'DoesNotExist':
      return !present;
    default:
      // An unknown operator never matches; validation reports it.
      return false;
  }
}

/** True when `labels` satisfy every part of `selector`. An empty selector matches all. */
export function matchLabelSelector(selector: LabelSelector, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (!has(labels, k) || labels[k] !== v) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    if (!matchRequirement(req, labels)) return false;
  }
  return true;
}

/** True when any selector in the list matches (the lists in MetalLB's CRDs are ORed). */
export function matchAnyLabelSelector(selectors: readonly LabelSelector[], labels: Labels): boolean {
  return selectors.some((s) => matchLabelSelector(s, labels));
}

/** Why `key` is not a valid label key, or undefined when it is. */
export function checkLabelKey(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    return 'the prefix before "/" must be a DNS subdomain (lowercase letters, digits, "-" and ".") of at most 253 characters';
  }
  if (name.length === 0 || name.length > 63 || !NAME.test(name)) {
    return 'the name must be 1-63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  }
  return undefined;
}

/** Why `value` is not a valid label value, or undefined when it is. */
export function checkLabelValue(value: string): string | undefined {
  if (value.length === 0) return undefined;
  if (value.length > 63 || !NAME.test(value)) {
    return 'a label value is empty or at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  }
  return undefined;
}

/** Every problem with a selector; `field` is its path, e.g. "spec.serviceAllocation.serviceSelectors[0]". */
export function validateLabelSelector(selector: unknown, object: string, field: string): Problem[] {
  const problems: Problem[] = [];
  const bad = (path: string, value: unknown, detail: string): void => {
    problems.push(makeProblem(object, path, value, ErrorCodes.InvalidSelector, 'invalid-selector', detail));
  };
  if (selector === null || typeof selector !== 'object' || Array.isArray(selector)) {
    bad(field, selector, 'a label selector is an object with matchLabels and/or matchExpressions');
    return problems;
  }
  const sel = selector as { matchLabels?: unknown; matchExpressions?: unknown };
  if (sel.matchLabels !== undefined) {
    if (sel.matchLabels === null || typeof sel.matchLabels !== 'object' || Array.isArray(sel.matchLabels)) {
      bad(`${field}.matchLabels`, sel.matchLabels, 'matchLabels must be a map of label keys to values');
    } else {
      for (const [k, v] of Object.entries(sel.matchLabels)) {
        const keyWhy = checkLabelKey(k);
        if (keyWhy) bad(`${field}.matchLabels`, k, `invalid label key: ${keyWhy}`);
        const valueWhy = typeof v === 'string' ? checkLabelValue(v) : 'a label value must be a string';
        if (valueWhy) bad(`${field}.matchLabels[${k}]`, v, `invalid label value: ${valueWhy}`);
      }
    }
  }
  if (sel.matchExpressions !== undefined) {
    if (!Array.isArray(sel.matchExpressions)) {
      bad(`${field}.matchExpressions`, sel.matchExpressions, 'matchExpressions must be a list');
      return problems;
    }
    sel.matchExpressions.forEach((raw: unknown, i) => {
      const path = `${field}.matchExpressions[${i}]`;
      const req = (raw ?? {}) as { key?: unknown; operator?: unknown; values?: unknown };
      const keyWhy = typeof req.key === 'string' ? checkLabelKey(req.key) : 'key must be a string';
      if (keyWhy) bad(`${path}.key`, req.key, `invalid label key: ${keyWhy}`);
      if (typeof req.operator !== 'string' || !OPERATORS.has(req.operator)) {
        bad(`${path}.operator`, req.operator, 'operator must be one of In, NotIn, Exists, DoesNotExist');
        return;
      }
      const values = req.values ?? [];
      if (!Array.isArray(values)) {
        bad(`${path}.values`, req.values, 'values must be a list of strings');
        return;
      }
      if ((req.operator === 'In' || req.operator === 'NotIn') && values.length === 0) {
        bad(`${path}.values`, values, `operator ${req.operator} needs at least one value`);
      }
      if ((req.operator === 'Exists' || req.operator === 'DoesNotExist') && values.length > 0) {
        bad(`${path}.values`, values, `operator ${req.operator} takes no values`);
      }
      values.forEach((v: unknown, j) => {
        const why = typeof v === 'string' ? checkLabelValue(v) : 'a label value must be a string';
        if (why) bad(`${path}.values[${j}]`, v, `invalid label value: ${why}`);
      });
    });
  }
  return problems;
}
