import {WandbApiError} from "./errors.js";
import type {GraphqlClient, RequestOptions} from "./graphql-client.js";

export const VIEWER_QUERY = `query GetViewer {
  viewer {
    id
    name
    username
    email
    admin
    entity
    teams {
      edges {
        node {
          name
        }
      }
    }
  }
}`;

export interface Viewer {
  id: string;
  name?: string | null;
  username?: string | null;
  email?: string | null;
  admin?: boolean | null;
  /** The default entity of the key's user. */
  entity?: string | null;
  teams?: {edges: Array<{node: {name: string}}>} | null;
}

/** The user the key belongs to; a null viewer means the key was not accepted (what `wandb login` checks). */
export async function getViewer(client: GraphqlClient, options: RequestOptions = {}): Promise<Viewer> {
  const data = await client.request<{viewer: Viewer | null}>(VIEWER_QUERY, {}, options);
  if (!data.viewer) {
    throw new WandbApiError("auth", `W&B did not accept the API key for ${client.baseUrl} (no viewer for it)`, {operation: "GetViewer"});
  }
  return data.viewer;
}
