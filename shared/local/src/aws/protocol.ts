import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/**
 * A minimal server for the AWS JSON protocols (awsJson1_0 / awsJson1_1) the AWS SDK v3 speaks to
 * EventBridge, Step Functions and SQS: `POST /` with `X-Amz-Target: <Prefix>.<Operation>` and a
 * JSON body; errors as `{ "__type": code, "message": text }` with status 400 (or as given).
 */

/** An error the way an AWS service reports it; the SDK surfaces `code` as the error's `name`. */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = code;
  }
}

export interface RequestInfo {
  /** Base URL of the server the request reached, e.g. `http://127.0.0.1:4010`. */
  baseUrl: string;
  path: string;
}

export type OperationHandler = (input: Record<string, unknown>, request: RequestInfo) => unknown | Promise<unknown>;

export interface JsonProtocolService {
  /** The `X-Amz-Target` prefix, e.g. `AWSEvents`, `AWSStepFunctions`, `AmazonSQS`. */
  targetPrefix: string;
  /** `1.0` or `1.1`: the `application/x-amz-json-*` content type of responses. */
  jsonVersion: "1.0" | "1.1";
  /** Prefix for error types, e.g. `com.amazonaws.sqs#` (SQS answers with namespaced types). */
  errorNamespace?: string;
  /** For services with a query-protocol past (SQS): the `x-amzn-query-error` header of an error. */
  queryErrorHeader?: (error: AwsError) => string | undefined;
  operations: Record<string, OperationHandler>;
}

/** Checks a caller may make a call, before the service runs it: throws an AwsError if not. */
export type CallAuthorizer = (
  request: IncomingMessage,
  targetPrefix: string,
  operation: string,
  input: Record<string, unknown>,
) => void;

export interface ServiceRoute {
  /** Handles a non-JSON-protocol request (another protocol on the same port); return false to pass. */
  handle(request: IncomingMessage, response: ServerResponse, body: Buffer): boolean | Promise<boolean>;
}

const MAX_BODY = 20 * 1024 * 1024;

export function readBody(request: IncomingMessage, limit = MAX_BODY): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Read the rest without keeping it, so the caller can still answer (destroying the request
        // would close the connection before the answer).
        chunks.length = 0;
        reject(new AwsError("RequestEntityTooLargeException", `request body exceeds ${limit} bytes`, 413));
        return;
      }
      chunks.push(chunk);
    });
    request.on("end", () => resolve(Buffer.concat(chunks)));
    request.on("error", reject);
  });
}

function send(
  response: ServerResponse,
  status: number,
  jsonVersion: string,
  body: unknown,
  errorType?: string,
  extraHeaders: Record<string, string> = {},
) {
  const payload = JSON.stringify(body ?? {});
  response.writeHead(status, {
    "content-type": `application/x-amz-json-${jsonVersion}`,
    "content-length": Buffer.byteLength(payload),
    "x-amzn-requestid": crypto.randomUUID(),
    ...(errorType ? { "x-amzn-errortype": errorType } : {}),
    ...extraHeaders,
  });
  response.end(payload);
}

/** The AWS JSON protocols carry timestamps as epoch seconds. */
function dateReplacer(this: unknown, key: string, value: unknown) {
  const original = (this as Record<string, unknown>)[key];
  return original instanceof Date ? original.getTime() / 1000 : value;
}

/** Dispatches one JSON-protocol request to the service and operation its target names. */
export async function handleJsonRequest(
  services: readonly JsonProtocolService[],
  request: IncomingMessage,
  response: ServerResponse,
  body: Buffer,
  authorize?: CallAuthorizer,
): Promise<boolean> {
  const target = request.headers["x-amz-target"];
  if (typeof target !== "string") return false;
  const dot = target.lastIndexOf(".");
  const prefix = target.slice(0, dot);
  const operation = target.slice(dot + 1);
  const service = services.find((candidate) => candidate.targetPrefix === prefix);
  if (!service) return false;
  const errorType = (code: string) => `${service.errorNamespace ?? ""}${code}`;
  const handler = service.operations[operation];
  if (!handler) {
    send(response, 400, service.jsonVersion, {
      __type: errorType("UnknownOperationException"),
      message: `${prefix} has no operation ${operation} in the Keel local runtime`,
    });
    return true;
  }
  let input: Record<string, unknown>;
  try {
    const parsed = body.length > 0 ? JSON.parse(body.toString("utf8")) : {};
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
    input = parsed as Record<string, unknown>;
  } catch {
    send(response, 400, service.jsonVersion, {
      __type: errorType("SerializationException"),
      message: "the request body is not a JSON object",
    });
    return true;
  }
  try {
    authorize?.(request, prefix, operation, input);
    const host = request.headers.host ?? "127.0.0.1";
    const output = await handler(input, { baseUrl: `http://${host}`, path: request.url ?? "/" });
    send(response, 200, service.jsonVersion, JSON.parse(JSON.stringify(output ?? {}, dateReplacer)));
  } catch (error) {
    if (error instanceof AwsError) {
      const queryError = service.queryErrorHeader?.(error);
      send(
        response,
        error.status,
        service.jsonVersion,
        { __type: errorType(error.code), message: error.message },
        error.code,
        queryError ? { "x-amzn-query-error": queryError } : {},
      );
    } else {
      const message = error instanceof Error ? error.message : String(error);
      send(response, 500, service.jsonVersion, { __type: errorType("InternalFailure"), message });
    }
  }
  return true;
}

export interface AwsServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

/** Starts one HTTP server on 127.0.0.1 serving the given JSON-protocol services (and extra routes). */
export async function startAwsServer(
  services: readonly JsonProtocolService[],
  options: { port?: number; routes?: readonly ServiceRoute[]; authorize?: CallAuthorizer } = {},
): Promise<AwsServer> {
  const server = createServer(async (request, response) => {
    try {
      const body = await readBody(request);
      if (await handleJsonRequest(services, request, response, body, options.authorize)) return;
      for (const route of options.routes ?? []) if (await route.handle(request, response, body)) return;
      send(response, 404, "1.1", {
        __type: "UnknownOperationException",
        message: `no service handles ${request.method} ${request.url}`,
      });
    } catch (error) {
      const status = error instanceof AwsError ? error.status : 500;
      if (!response.headersSent)
        send(response, status, "1.1", { __type: (error as Error).name, message: (error as Error).message });
    }
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
