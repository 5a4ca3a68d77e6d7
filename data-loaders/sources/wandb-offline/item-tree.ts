/**
 * Key paths → one flat object (spec §4.1). The legacy writer logs `key:"a"` with value `{"b":1}`;
 * wandb-core logs `nested_key:["a","b"]` with value `1`. Both must give the same result, so items are
 * set into a tree and the tree is flattened to dotted keys, with objects carrying `_type` (media,
 * histograms, tables) kept whole. That matches runlens's `flattenObject` for API-sourced runs.
 */

export type Tree = Record<string, unknown>;

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A value the flattener would expand: a non-empty plain object without `_type`. */
export function isNamespace(value: unknown): value is Record<string, unknown> {
  if (!isPlainObject(value) || "_type" in value) return false;
  for (const _ in value) return true;
  return false;
}

/** Own-property write, so keys such as `__proto__` stay data. */
export function put(object: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(object, key, {value, enumerable: true, writable: true, configurable: true});
  else object[key] = value;
}

function own(object: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

/** Set `value` at `path`, replacing non-object values met on the way by objects. */
export function setPath(tree: Tree, path: readonly string[], value: unknown): void {
  let node = tree;
  for (let i = 0; i < path.length - 1; i++) {
    let child = own(node, path[i]);
    if (!isPlainObject(child)) {
      child = {};
      put(node, path[i], child);
    }
    node = child as Tree;
  }
  put(node, path[path.length - 1], value);
}

/** Delete `path` and prune parents it leaves empty. */
export function removePath(tree: Tree, path: readonly string[]): void {
  const parents: Tree[] = [tree];
  let node = tree;
  for (let i = 0; i < path.length - 1; i++) {
    const child = own(node, path[i]);
    if (!isPlainObject(child)) return;
    node = child;
    parents.push(node);
  }
  delete node[path[path.length - 1]];
  for (let i = parents.length - 1; i > 0; i--) {
    if (Object.keys(parents[i]).length > 0) break;
    delete parents[i - 1][path[i - 1]];
  }
}

/** Flatten into `out` with dotted keys; namespaces recurse, everything else is a leaf. */
export function flattenInto(out: Record<string, unknown>, tree: Tree, prefix = ""): Record<string, unknown> {
  for (const key of Object.keys(tree)) {
    const value = tree[key];
    const path = prefix ? `${prefix}.${key}` : key;
    if (isNamespace(value)) flattenInto(out, value, path);
    else put(out, path, value);
  }
  return out;
}
