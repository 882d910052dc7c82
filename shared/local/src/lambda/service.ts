import type { IncomingMessage } from "node:http";
import { AwsError, type ServiceRoute } from "../aws/protocol";
import type { AsyncInvoker } from "./async";
import type { Functions } from "./functions";

const INVOKE = /^\/2015-03-31\/functions\/([^/]+)\/invocations$/;

/** Lambda's Invoke API (`POST /2015-03-31/functions/{name}/invocations`), for tools using the SDK. */
export function lambdaInvokeRoute(
  functions: Functions,
  asyncInvoker: AsyncInvoker,
  /** Checks the caller may invoke the function; throws an AwsError if not. */
  authorize?: (request: IncomingMessage, functionName: string) => void,
): ServiceRoute {
  return {
    async handle(request, response, body) {
      const match = INVOKE.exec(new URL(request.url ?? "/", "http://local").pathname);
      if (request.method !== "POST" || !match?.[1]) return false;
      const name = decodeURIComponent(match[1]);
      const type = String(request.headers["x-amz-invocation-type"] ?? "RequestResponse");
      const reply = (status: number, payload: string, headers: Record<string, string> = {}) => {
        response.writeHead(status, {
          "content-type": "application/json",
          "x-amz-executed-version": "$LATEST",
          ...headers,
        });
        response.end(payload);
      };
      if (!functions.resolveName(name)) {
        reply(404, JSON.stringify({ Type: "User", message: `Function not found: ${name}` }), {
          "x-amzn-errortype": "ResourceNotFoundException",
        });
        return true;
      }
      try {
        authorize?.(request, name);
      } catch (error) {
        if (!(error instanceof AwsError)) throw error;
        reply(
          error.code === "AccessDeniedException" ? 403 : error.status,
          JSON.stringify({ Type: "User", Message: error.message }),
          {
            "x-amzn-errortype": error.code,
          },
        );
        return true;
      }
      let event: unknown = null;
      try {
        event = body.length > 0 ? JSON.parse(body.toString("utf8")) : null;
      } catch {
        reply(400, JSON.stringify({ Type: "User", message: "Could not parse request body into json" }), {
          "x-amzn-errortype": "InvalidRequestContentException",
        });
        return true;
      }
      if (type === "DryRun") {
        reply(204, "");
        return true;
      }
      if (type === "Event") {
        asyncInvoker.invoke(name, event);
        reply(202, "");
        return true;
      }
      try {
        const result = await functions.invoke(name, event);
        if (result.ok) reply(200, JSON.stringify(result.payload));
        else reply(200, JSON.stringify(result.error), { "x-amz-function-error": "Unhandled" });
      } catch (error) {
        reply(429, JSON.stringify({ Type: "User", message: (error as Error).message }), {
          "x-amzn-errortype": (error as Error).name,
        });
      }
      return true;
    },
  };
}
