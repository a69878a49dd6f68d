// An AVL tree of disjoint runs of offsets, keyed by their first offset. Every operation
// is O(log n) in the number of runs, so allocation cost does not grow with the size of
// a pool or the number of addresses in use: MetalLB walks every address from the start
// of the CIDR until it finds a free one. Deterministic (no random priorities), so two
// controllers replaying the same operations build the same tree.
import type { Off } from './offset.js';

export class RunNode {
  start: Off;
  end: Off;
  left: RunNode | null = null;
  right: RunNode | null = null;
  height = 1;

  constructor(start: Off, end: Off) {
    this.start = start;
    this.end = end;
  }
}

function heightOf(n: RunNode | null): number {
  return n === null ? 0 : n.height;
}

function refresh(n: RunNode): void {
  const l = heightOf(n.left);
  const r = heightOf(n.right);
  n.height = (l > r ? l : r) + 1;
}

function rotateRight(n: RunNode): RunNode {
  const l = n.left as RunNode;
  n.left = l.right;
  l.right = n;
  refresh(n);
  refresh(l);
  return l;
}

function rotateLeft(n: RunNode): RunNode {
  const r = n.right as RunNode;
  n.right = r.left;
  r.left = n;
  refresh(n);
  refresh(r);
  return r;
}

function rebalance(n: RunNode): RunNode {
  refresh(n);
  const skew = heightOf(n.left) - heightOf(n.right);
  if (skew > 1) {
    const l = n.left as RunNode;
    if (heightOf(l.left) < heightOf(l.right)) n.left = rotateLeft(l);
    return rotateRight(n);
  }
  if (skew < -1) {
    const r = n.right as RunNode;
    if (heightOf(r.right) < heightOf(r.left)) n.right = rotateRight(r);
    return rotateLeft(n);
  }
  return n;
}

function insertNode(root: RunNode | null, node: RunNode): RunNode {
  if (root === null) return node;
  if (node.start < root.start) root.left = insertNode(root.left, node);
  else root.right = insertNode(root.right, node);
  return rebalance(root);
}

function detachMin(root: RunNode): { rest: RunNode | null; min: RunNode } {
  if (root.left === null) return { rest: root.right, min: root };
  const { rest, min } = detachMin(root.left);
  root.left = rest;
  return { rest: rebalance(root), min };
}

function removeKey(root: RunNode | null, start: Off): RunNode | null {
  if (root === null) return null;
  if (start < root.start) root.left = removeKey(root.left, start);
  else if (start > root.start) root.right = removeKey(root.right, start);
  else {
    if (root.left === null) return root.right;
    if (root.right === null) return root.left;
    const { rest, min } = detachMin(root.right);
    min.left = root.left;
    min.right = rest;
    return rebalance(min);
  }
  return rebalance(root);
}

export class RunTree {
  #root: RunNode | null = null;
  #size = 0;

  get size(): number {
    return this.#size;
  }

  insert(start: Off, end: Off): RunNode {
    const node = new RunNode(start, end);
    this.#root = insertNode(this.#root, node);
    this.#size++;
    return node;
  }

  remove(start: Off): void {
    this.#root = removeKey(this.#root, start);
    this.#size--;
  }

  /** The run with the greatest start <= x (the only run that can contain x). */
  floor(x: Off): RunNode | undefined {
    let n = this.#root;
    let best: RunNode | undefined;
    while (n !== null) {
      if (n.start <= x) {
        best = n;
        n = n.right;
      } else n = n.left;
    }
    return best;
  }

  /** The run starting exactly at `start`. */
  get(start: Off): RunNode | undefined {
    let n = this.#root;
    while (n !== null) {
      if (start === n.start) return n;
      n = start < n.start ? n.left : n.right;
    }
    return undefined;
  }

  min(): RunNode | undefined {
    let n = this.#root;
    if (n === null) return undefined;
    while (n.left !== null) n = n.left;
    return n;
  }

  /** In-order runs as [start, end] pairs (tests and debugging; O(n)). */
  toArray(): [Off, Off][] {
    const out: [Off, Off][] = [];
    const walk = (n: RunNode | null): void => {
      if (n === null) return;
      walk(n.left);
      out.push([n.start, n.end]);
      walk(n.right);
    };
    walk(this.#root);
    return out;
  }

  /** Largest height, for tests asserting balance. */
  height(): number {
    return heightOf(this.#root);
  }
}
