/**
 * Flatten nested plain objects into dotted keys, the way W&B names nested metrics (`a.b`).
 * Objects with a `_type` (media, histograms, tables) are leaves, not namespaces.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function flattenObject(
  object: Record<string, unknown>,
  visit: (key: string, value: unknown) => void,
  prefix = ""
): void {
  for (const key of Object.keys(object)) {
    const value = object[key];
    const path = prefix ? `${prefix}.${key}` : key;
    if (isPlainObject(value) && !("_type" in value) && Object.keys(value).length > 0) {
      flattenObject(value, visit, path);
    } else {
      visit(path, value);
    }
  }
}
