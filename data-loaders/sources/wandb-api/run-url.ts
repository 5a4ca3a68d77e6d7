import {DEFAULT_BASE_URL} from "./credentials.js";

/**
 * The web app's URL for an API base URL (wandb `util.app_url`): `WANDB_APP_URL` wins; otherwise
 * `://api.wandb.` → `://` (https://api.wandb.ai → https://wandb.ai), `://api.wandb.test` → `://app.wandb.test`
 * (W&B's dev host), any other `://api.<host>` → `://app.<host>` (on-prem), anything else unchanged
 * (wandb/local serves the app and the API on one host). No trailing slash.
 */
export function appUrl(baseUrl: string = DEFAULT_BASE_URL, env: NodeJS.ProcessEnv = process.env): string {
  const override = env.WANDB_APP_URL?.trim();
  if (override) return override.replace(/\/+$/, "");
  let url = baseUrl.trim();
  if (url.includes("://api.wandb.test")) url = url.replace("://api.", "://app.");
  else if (url.includes("://api.wandb.")) url = url.replace("://api.", "://");
  else if (url.includes("://api.")) url = url.replace("://api.", "://app.");
  return url.replace(/\/+$/, "");
}

/** Python's `urllib.parse.quote(s, safe="")`: everything but letters, digits and `_.-~` is escaped (UTF-8). */
export function quotePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** `{app}/{entity}/{project}/runs/{run id}`, each segment percent-encoded (space → %20), as `Run.url`. */
export function runUrl(
  entity: string,
  project: string,
  runId: string,
  options: {baseUrl?: string; env?: NodeJS.ProcessEnv} = {}
): string {
  const env = options.env ?? process.env;
  const app = appUrl(options.baseUrl ?? (env.WANDB_BASE_URL?.trim() || DEFAULT_BASE_URL), env);
  return `${app}/${quotePathSegment(entity)}/${quotePathSegment(project)}/runs/${quotePathSegment(runId)}`;
}
