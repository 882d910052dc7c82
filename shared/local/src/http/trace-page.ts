import { createReadStream } from "node:fs";
import {
  keelNames,
  MERMAID_ASSET_PATH,
  mermaidScriptFile,
  type OpsClients,
  opsClients,
  trace,
  tracePage,
} from "@keel/ops";
import { localCredentials } from "../dynamodb";
import type { ExtraRoute } from "./api";

const PREFIX = "/_keel/trace/";

/**
 * The trace page of the local runtime: `/_keel/trace/<correlationId|orderId|commandId>` shows the
 * timeline and the conversation's sequence diagram (`?format=json` the trace itself), drawn in the
 * browser by Mermaid, served from node_modules.
 */
export function tracePageRoute(options: {
  stage: string;
  region: string;
  endpoints: { aws: string; dynamodb: string };
}): ExtraRoute & { close(): void } {
  let clients: OpsClients | undefined;
  const names = keelNames(options.stage);
  const route: ExtraRoute = async (request, response, url) => {
    if (request.method !== "GET") return false;
    if (url.pathname === MERMAID_ASSET_PATH) {
      response.writeHead(200, { "content-type": "text/javascript; charset=utf-8", "cache-control": "max-age=3600" });
      createReadStream(mermaidScriptFile()).pipe(response);
      return true;
    }
    if (!url.pathname.startsWith(PREFIX)) return false;
    const id = decodeURIComponent(url.pathname.slice(PREFIX.length));
    clients ??= opsClients({
      region: options.region,
      endpoints: options.endpoints,
      credentials: localCredentials,
    });
    try {
      const result = await trace(clients, names, id, { queueWaitSeconds: 0 });
      const status = result.found ? 200 : 404;
      if (url.searchParams.get("format") === "json") {
        response.writeHead(status, { "content-type": "application/json" });
        response.end(JSON.stringify(result));
      } else {
        response.writeHead(status, { "content-type": "text/html; charset=utf-8" });
        response.end(tracePage(result));
      }
    } catch (error) {
      response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      response.end(`the trace of ${id} could not be read: ${(error as Error).message}`);
    }
    return true;
  };
  return Object.assign(route, { close: () => clients?.destroy() });
}
