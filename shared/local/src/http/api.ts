import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { readBody } from "../aws/protocol";
import type { RouteDef } from "../config/model";
import type { Functions } from "../lambda/functions";
import { type LocalIdentityProvider, stringifyClaims } from "./jwt";

/** HTTP APIs accept request payloads up to 10 MB. */
const MAX_PAYLOAD = 10 * 1024 * 1024;

export type HttpRecord = {
  type: "http.request";
  method: string;
  path: string;
  route: string | null;
  status: number;
  durationMs: number;
  at: string;
};

/** A request the runtime serves itself (its own pages and tools), before the API's routes. */
export type ExtraRoute = (
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  body: Buffer,
) => Promise<boolean> | boolean;

interface CompiledRoute {
  route: RouteDef;
  method: string;
  segments: string[];
  score: number;
}

function compile(route: RouteDef): CompiledRoute {
  const segments = route.path === "$default" ? [] : route.path.split("/").filter(Boolean);
  // More literal segments win over variables, variables over a greedy variable; a method over ANY.
  const score =
    route.path === "$default"
      ? -1
      : segments.reduce((sum, segment) => sum + (segment.endsWith("+}") ? 1 : segment.startsWith("{") ? 10 : 100), 0) *
          2 +
        (route.method === "ANY" ? 0 : 1);
  return { route, method: route.method.toUpperCase(), segments, score };
}

function matchPath(segments: string[], path: string): Record<string, string> | undefined {
  const parts = path.split("/").filter(Boolean);
  if (parts.length !== segments.length && !segments.some((segment) => segment.endsWith("+}"))) return undefined;
  const params: Record<string, string> = {};
  for (let index = 0; index < segments.length; index += 1) {
    const segment = segments[index] as string;
    if (segment.startsWith("{") && segment.endsWith("+}")) {
      if (index >= parts.length) return undefined;
      params[segment.slice(1, -2)] = parts.slice(index).map(decodeURIComponent).join("/");
      return params;
    }
    const part = parts[index];
    if (part === undefined) return undefined;
    if (segment.startsWith("{") && segment.endsWith("}")) params[segment.slice(1, -1)] = decodeURIComponent(part);
    else if (segment !== part) return undefined;
  }
  return parts.length === segments.length ? params : undefined;
}

const json = (response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
};

function apiGatewayTime(date: Date): string {
  const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  const pad = (value: number) => String(value).padStart(2, "0");
  return `${pad(date.getUTCDate())}/${months[date.getUTCMonth()]}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

function isText(contentType: string | undefined): boolean {
  if (!contentType) return true;
  return /^(text\/|application\/(json|[\w.+-]*\+json|xml|x-www-form-urlencoded|problem\+json|javascript))/i.test(
    contentType,
  );
}

export interface HttpApiOptions {
  port?: number;
  functions: Functions;
  identity: LocalIdentityProvider;
  accountId: string;
  extraRoutes?: readonly ExtraRoute[];
  onRecord?: (record: HttpRecord) => void;
}

export interface HttpApi {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serves every `httpApi` route of every service on one port, as API Gateway HTTP APIs (payload 2.0). */
export async function startHttpApi(routes: readonly RouteDef[], options: HttpApiOptions): Promise<HttpApi> {
  const compiled = routes.map(compile).sort((a, b) => b.score - a.score);
  const apiId = "keellocal";

  const server = createServer(async (request, response) => {
    const started = Date.now();
    const url = new URL(request.url ?? "/", "http://127.0.0.1");
    const method = (request.method ?? "GET").toUpperCase();
    let matched: CompiledRoute | undefined;
    const finish = (status: number) =>
      options.onRecord?.({
        type: "http.request",
        method,
        path: url.pathname,
        route: matched?.route.routeKey ?? null,
        status,
        durationMs: Date.now() - started,
        at: new Date(started).toISOString(),
      });
    let body: Buffer;
    try {
      body = await readBody(request, MAX_PAYLOAD);
    } catch {
      json(response, 413, { message: "Request Entity Too Large" });
      return finish(413);
    }
    for (const extra of options.extraRoutes ?? []) if (await extra(request, response, url, body)) return;

    let pathParameters: Record<string, string> | undefined;
    try {
      for (const candidate of compiled) {
        if (candidate.method !== "ANY" && candidate.method !== method) continue;
        if (candidate.route.path === "$default") {
          matched = candidate;
          break;
        }
        const params = matchPath(candidate.segments, url.pathname);
        if (params) {
          matched = candidate;
          pathParameters = params;
          break;
        }
      }
    } catch {
      // A path parameter that is not percent-encoded UTF-8 (`%ZZ`, `%C0%AF`) cannot be decoded.
      json(response, 400, { message: "Bad Request" });
      return finish(400);
    }
    if (!matched) {
      json(response, 404, { message: "Not Found" });
      return finish(404);
    }
    const route = matched.route;
    const requestId = randomUUID();

    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(",") : value;
    }
    let authorizer: Record<string, unknown> | undefined;
    if (route.authorizer) {
      const source = route.authorizer.identitySource[0] ?? "$request.header.Authorization";
      const headerName = source.replace("$request.header.", "").toLowerCase();
      const raw = headers[headerName];
      const token = raw?.replace(/^Bearer\s+/i, "").trim();
      if (!token) {
        json(response, 401, { message: "Unauthorized" }, { "www-authenticate": 'Bearer error="invalid_request"' });
        return finish(401);
      }
      try {
        const claims = await options.identity.verify(token, route.authorizer);
        authorizer = { jwt: { claims: stringifyClaims(claims), scopes: null } };
      } catch (error) {
        const description = (error as Error).message.replaceAll('"', "'");
        json(
          response,
          401,
          { message: "Unauthorized" },
          {
            "www-authenticate": `Bearer error="invalid_token" error_description="${description}"`,
          },
        );
        return finish(401);
      }
    }

    const contentType = headers["content-type"];
    const textBody = isText(contentType);
    const cookies = headers.cookie?.split(/;\s*/).filter(Boolean);
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams)
      query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
    const now = new Date();
    const event = {
      version: "2.0",
      routeKey: route.routeKey,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      ...(cookies?.length ? { cookies } : {}),
      headers,
      ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
      ...(pathParameters && Object.keys(pathParameters).length ? { pathParameters } : {}),
      requestContext: {
        accountId: options.accountId,
        apiId,
        ...(authorizer ? { authorizer } : {}),
        domainName: headers.host ?? "127.0.0.1",
        domainPrefix: (headers.host ?? "127").split(".")[0],
        http: {
          method,
          path: url.pathname,
          protocol: `HTTP/${request.httpVersion}`,
          sourceIp: request.socket.remoteAddress?.replace("::ffff:", "") ?? "127.0.0.1",
          userAgent: headers["user-agent"] ?? "",
        },
        requestId,
        routeKey: route.routeKey,
        stage: "$default",
        time: apiGatewayTime(now),
        timeEpoch: now.getTime(),
      },
      ...(body.length > 0 ? { body: textBody ? body.toString("utf8") : body.toString("base64") } : {}),
      isBase64Encoded: body.length > 0 && !textBody,
    };

    let result: Awaited<ReturnType<Functions["invoke"]>>;
    try {
      result = await options.functions.invoke(route.functionName, event);
    } catch (error) {
      const throttled = (error as Error).name === "TooManyRequestsException";
      json(
        response,
        throttled ? 429 : 500,
        { message: throttled ? "Too Many Requests" : "Internal Server Error" },
        { "apigw-requestid": requestId },
      );
      return finish(throttled ? 429 : 500);
    }
    if (!result.ok) {
      const timedOut = result.error.errorType === "Sandbox.Timedout";
      json(
        response,
        timedOut ? 503 : 500,
        { message: timedOut ? "Service Unavailable" : "Internal Server Error" },
        {
          "apigw-requestid": requestId,
        },
      );
      return finish(timedOut ? 503 : 500);
    }
    const status = writeResult(response, result.payload, requestId);
    finish(status);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) =>
      reject(error.code === "EADDRINUSE" ? new Error(`port ${options.port} (HTTP API) is already in use`) : error),
    );
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface StructuredResult {
  statusCode: number;
  headers?: Record<string, string | number | boolean>;
  multiValueHeaders?: Record<string, Array<string | number | boolean>>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

/** Writes a payload-2.0 function result the way API Gateway turns it into an HTTP response. */
function writeResult(response: ServerResponse, payload: unknown, requestId: string): number {
  const structured =
    typeof payload === "object" && payload !== null && "statusCode" in payload
      ? (payload as StructuredResult)
      : undefined;
  if (!structured) {
    const text = typeof payload === "string" ? payload : JSON.stringify(payload);
    response.writeHead(200, { "content-type": "application/json", "apigw-requestid": requestId });
    response.end(text);
    return 200;
  }
  const headers: Record<string, string | string[]> = { "apigw-requestid": requestId };
  for (const [name, value] of Object.entries(structured.headers ?? {})) headers[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(structured.multiValueHeaders ?? {})) {
    headers[name.toLowerCase()] = values.map(String).join(",");
  }
  if (structured.cookies?.length) headers["set-cookie"] = structured.cookies;
  const body =
    structured.body === undefined
      ? Buffer.alloc(0)
      : Buffer.from(structured.body, structured.isBase64Encoded ? "base64" : "utf8");
  headers["content-length"] = String(body.length);
  response.writeHead(structured.statusCode, headers);
  response.end(body);
  return structured.statusCode;
}
