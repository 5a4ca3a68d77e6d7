// Tiny, injection-safe DOM helpers for pages and components. Text always goes through text nodes,
// attributes through setAttribute; no innerHTML anywhere, so untrusted run data cannot inject markup.

type Child = Node | string | number | boolean | null | undefined | Child[];

export function el(tag: string, attrs: Record<string, string | number | boolean | null | undefined> = {}, ...children: Child[]): HTMLElement {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (/^on/i.test(name)) throw new Error(`el(): event handler attributes are not allowed (${name})`);
    if ((name === "href" || name === "src") && typeof value === "string" && safeUrl(value) === null) continue;
    node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else if (child instanceof Node) node.appendChild(child);
    else node.appendChild(document.createTextNode(String(child)));
  }
}

/** Only http(s) URLs (absolute) or same-site relative URLs pass; `javascript:`, `data:` … return null. */
export function safeUrl(url: unknown): string | null {
  if (typeof url !== "string" || url.trim() === "") return null;
  try {
    const base = typeof location === "undefined" ? "http://localhost/" : location.href;
    const parsed = new URL(url, base);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** An external link that opens in a new tab, or plain text when the URL is not http(s). */
export function externalLink(url: unknown, label: string): HTMLElement | string {
  const href = safeUrl(url);
  if (href === null) return "";
  return el("a", {href, target: "_blank", rel: "noopener noreferrer"}, label);
}

/** Format a number compactly for prose (1234 → "1,234", 0.0031 → "0.0031"). */
export function fmt(value: unknown, digits = 4): string {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return String(value);
    if (Number.isInteger(value)) return value.toLocaleString("en-US");
    return Number(value.toPrecision(digits)).toString();
  }
  if (value instanceof Date) return value.toISOString().slice(0, 16).replace("T", " ") + " UTC";
  return String(value);
}
