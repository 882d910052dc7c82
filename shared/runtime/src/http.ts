import type { BasePersistenceLayer } from "@aws-lambda-powertools/idempotency/persistence";
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy, { type MiddlewareObj } from "@middy/core";
import httpHeaderNormalizer from "@middy/http-header-normalizer";
import httpJsonBodyParser from "@middy/http-json-body-parser";
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from "aws-lambda";
import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  IdempotencyValidationError,
  idempotencyStore,
  makeIdempotent,
} from "./idempotency";
import { echoedCorrelationId, TENANT_CLAIM } from "./identity";
import { logger, tracer } from "./powertools";
import { HttpProblem, problemResponse, toProblem } from "./problems";

export type HttpEvent<Body = unknown> = Omit<APIGatewayProxyEventV2WithJWTAuthorizer, "body"> & { body: Body };
export type HttpResult = APIGatewayProxyStructuredResultV2;
export type HttpRoute<Body = unknown> = (event: HttpEvent<Body>, context: Context) => Promise<HttpResult>;

/** Refuses bodies above a size before anything parses them. */
export function bodySizeLimit(maxBytes: number): MiddlewareObj<APIGatewayProxyEventV2WithJWTAuthorizer> {
  return {
    before: (request) => {
      const body = request.event.body;
      if (!body) return;
      const size = request.event.isBase64Encoded ? Buffer.from(body, "base64").length : Buffer.byteLength(body);
      if (size > maxBytes) {
        throw new HttpProblem(
          413,
          "payload-too-large",
          "Content Too Large",
          `the body is ${size} bytes; at most ${maxBytes} are accepted`,
        );
      }
    },
  };
}

/**
 * JSON is exchanged as UTF-8 (RFC 8259 §8.1); a body declared in another charset is refused with
 * 415 rather than decoded as UTF-8 into something the client did not send.
 */
export function utf8JsonOnly(): MiddlewareObj<APIGatewayProxyEventV2WithJWTAuthorizer> {
  return {
    before: (request) => {
      const contentType = request.event.headers?.["content-type"];
      const charset = contentType && /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1];
      if (charset && !/^utf-?8$/i.test(charset)) {
        throw new HttpProblem(
          415,
          "unsupported-media-type",
          "Unsupported Media Type",
          `JSON bodies must be UTF-8; the request declares charset=${charset.slice(0, 40)}`,
        );
      }
    },
  };
}

/** Turns every error into an RFC 9457 `application/problem+json` response. */
export function problemDetails(): MiddlewareObj<APIGatewayProxyEventV2WithJWTAuthorizer, HttpResult> {
  return {
    onError: (request) => {
      const problem = toProblem(request.error);
      if (problem.status >= 500) logger.error("request failed", { error: request.error as Error });
      else logger.info("request refused", { status: problem.status, problem: problem.slug, detail: problem.detail });
      request.response = problemResponse(
        problem,
        request.event.requestContext?.requestId ?? request.context.awsRequestId,
        echoedCorrelationId(request.event.headers),
      );
    },
  };
}

export interface HttpHandlerOptions {
  /** Bodies above this many bytes are refused with 413 (default 64 KiB). */
  maxBodyBytes?: number;
  /** Parse a JSON body (415 for another content type, 400 for malformed JSON). */
  jsonBody?: boolean;
}

/**
 * The HTTP ingress stack: Powertools logger and tracer, header normalisation, a body size limit,
 * the JSON body parser, and errors as problem+json. The route stays a plain async function.
 */
export function httpHandler<Body = unknown>(route: HttpRoute<Body>, options: HttpHandlerOptions = {}) {
  const stack = middy<APIGatewayProxyEventV2WithJWTAuthorizer, HttpResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer))
    .use(problemDetails())
    .use(httpHeaderNormalizer())
    .use(bodySizeLimit(options.maxBodyBytes ?? 64 * 1024));
  if (options.jsonBody) stack.use(utf8JsonOnly()).use(httpJsonBodyParser());
  return stack.handler(route as unknown as Parameters<typeof stack.handler>[0]);
}

export interface IdempotencyKeyOptions {
  /** How long a key is remembered (default 24 h). */
  expiresAfterSeconds?: number;
  persistenceStore?: () => BasePersistenceLayer;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
/** Powertools hashes the body recursively: deeper than this, the hash would overflow the stack. */
const MAX_KEYED_BODY_DEPTH = 1_000;

/** How deeply a parsed JSON value nests, counted without recursion. */
function depthOf(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 0]];
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [unknown, number];
    if (typeof current !== "object" || current === null) continue;
    deepest = Math.max(deepest, depth + 1);
    for (const inner of Object.values(current)) stack.push([inner, depth + 1]);
  }
  return deepest;
}

/**
 * Idempotency as in the IETF Idempotency-Key draft, per tenant: a request with a key already
 * completed with the same body gets the stored response again; the same key with another body is
 * 422; a key whose first request is still being processed is 409. Without a key the request is
 * processed once, with no protection against a client's retry.
 */
export function withIdempotencyKey<Body>(route: HttpRoute<Body>, options: IdempotencyKeyOptions = {}): HttpRoute<Body> {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: `[requestContext.authorizer.jwt.claims."${TENANT_CLAIM}", headers."idempotency-key"]`,
    payloadValidationJmesPath: "body",
    throwOnNoIdempotencyKey: true,
    expiresAfterSeconds: options.expiresAfterSeconds ?? 24 * 3600,
  });
  let idempotent: HttpRoute<Body> | undefined;
  return async (event, context) => {
    const key = event.headers["idempotency-key"];
    if (key === undefined) return route(event, context);
    if (!IDEMPOTENCY_KEY.test(key)) {
      throw new HttpProblem(
        400,
        "invalid-idempotency-key",
        "Bad Request",
        "Idempotency-Key must be 1-255 visible ASCII characters",
      );
    }
    if (depthOf(event.body) > MAX_KEYED_BODY_DEPTH) {
      throw new HttpProblem(
        400,
        "body-too-deep",
        "Bad Request",
        `the body nests deeper than ${MAX_KEYED_BODY_DEPTH} levels`,
      );
    }
    idempotent ??= makeIdempotent(route, {
      persistenceStore: options.persistenceStore?.() ?? idempotencyStore(),
      config,
    }) as HttpRoute<Body>;
    config.registerLambdaContext(context);
    try {
      return await idempotent(event, context);
    } catch (error) {
      if (error instanceof IdempotencyValidationError) {
        throw new HttpProblem(
          422,
          "idempotency-key-reused",
          "Unprocessable Content",
          "this Idempotency-Key was already used with a different request body",
        );
      }
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new HttpProblem(
          409,
          "request-in-progress",
          "Conflict",
          "a request with this Idempotency-Key is still being processed; retry later",
          {
            retryAfterSeconds: 1,
          },
        );
      }
      throw error;
    }
  };
}
