/**
 * A typed client of the Switchboard REST API (`/api/v1`): openapi-fetch over the types that
 * openapi-typescript generates from the server's OpenAPI document (`src/schema.d.ts`, made by
 * `scripts/clients generate`; never edit it by hand).
 *
 * ```ts
 * const api = createSwitchboardClient("http://127.0.0.1:8080", token);
 * const { data, error } = await api.GET("/api/v1/conversations", { params: { query: { status: "open" } } });
 * ```
 */
import createClient, { type Client, type ClientOptions } from "openapi-fetch";
import type { components, paths } from "./schema.js";

export type { components, operations, paths } from "./schema.js";

/** The typed client: `GET`, `POST`, … take a path of the document and check params and bodies. */
export type SwitchboardClient = Client<paths>;

/** The document's named schemas, e.g. `Schemas["ConversationView"]`. */
export type Schemas = components["schemas"];

/**
 * A client of the server at `baseUrl` (its root, e.g. `http://127.0.0.1:8080`: the paths carry
 * `/api/v1`) that sends `token` as its bearer on every request. `options` go to openapi-fetch
 * (a `fetch` of your own, more headers, …).
 */
export function createSwitchboardClient(
  baseUrl: string,
  token: string,
  options: Omit<ClientOptions, "baseUrl"> = {},
): SwitchboardClient {
  const client = createClient<paths>({ ...options, baseUrl: baseUrl.replace(/\/+$/, "") });
  client.use({
    onRequest({ request }) {
      request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  });
  return client;
}
