// Visible error reporting: a load or query error is shown in the page (never swallowed) in a fixed
// banner at the top of the main column, in addition to being thrown to the cell that awaited it
// (Framework then shows it in place of that cell's output too).

export class WorkspaceError extends Error {
  readonly table: string | undefined;
  readonly file: string | undefined;
  constructor(message: string, {cause, table, file}: {cause?: unknown; table?: string; file?: string} = {}) {
    super(message, {cause});
    this.name = "WorkspaceError";
    this.table = table;
    this.file = file;
  }
}

const shown = new Set<string>();

function container(): HTMLElement {
  let box = document.querySelector<HTMLElement>("[data-testid='rl-errors']");
  if (box) return box;
  box = document.createElement("div");
  box.setAttribute("data-testid", "rl-errors");
  box.className = "rl-errors";
  box.setAttribute("role", "alert");
  const main = document.querySelector("#observablehq-main") ?? document.body;
  main.prepend(box);
  return box;
}

/** Show an error in the page banner (deduplicated by message). Returns the error for chaining. */
export function showError(error: unknown, title = "Data error"): unknown {
  const message = error instanceof Error ? error.message : String(error);
  if (typeof document === "undefined" || shown.has(message)) return error;
  shown.add(message);
  const item = document.createElement("div");
  item.className = "rl-error";
  item.setAttribute("data-testid", "rl-error");
  const strong = document.createElement("strong");
  strong.textContent = `${title}: `;
  item.append(strong, document.createTextNode(message));
  container().append(item);
  return error;
}
