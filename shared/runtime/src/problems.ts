import type { ContractIssue } from "@keel/contracts";
import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";

export const PROBLEM_BASE = "https://keel.example.com/problems";

/** An error that answers the HTTP request with an RFC 9457 problem document. */
export class HttpProblem extends Error {
  override readonly name = "HttpProblem";
  constructor(
    readonly status: number,
    /** A stable slug: the problem type is `${PROBLEM_BASE}/${slug}`. */
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail ?? title);
  }
}

export const badRequest = (slug: string, detail: string, extensions?: Record<string, unknown>) =>
  new HttpProblem(400, slug, "Bad Request", detail, extensions);

export const invalidBody = (issues: readonly ContractIssue[]) =>
  new HttpProblem(422, "validation-failed", "Unprocessable Content", "the request body does not satisfy the contract", {
    errors: issues.map((issue) => ({ path: issue.path.replace(/^data\.?/, "") || "(body)", message: issue.message })),
  });

interface MiddyHttpError extends Error {
  statusCode?: number;
  expose?: boolean;
  cause?: { package?: string };
}

/** The problem for any error: known ones keep their meaning, anything unexpected is a 500 that reveals nothing. */
export function toProblem(error: unknown): HttpProblem {
  if (error instanceof HttpProblem) return error;
  const http = error as MiddyHttpError;
  const origin = http?.cause?.package;
  if (origin === "@middy/http-json-body-parser") {
    if (http.statusCode === 415) {
      return new HttpProblem(
        415,
        "unsupported-media-type",
        "Unsupported Media Type",
        "send the body as application/json",
      );
    }
    return badRequest("malformed-json", "the request body is not valid JSON");
  }
  if (
    typeof http?.statusCode === "number" &&
    http.statusCode >= 400 &&
    http.statusCode < 500 &&
    http.expose !== false
  ) {
    return new HttpProblem(http.statusCode, "client-error", http.message, http.message);
  }
  return new HttpProblem(
    500,
    "internal-error",
    "Internal Server Error",
    "the request could not be processed; retry later",
  );
}

export function problemResponse(
  problem: HttpProblem,
  instance: string,
  headers: Record<string, string> = {},
): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: { "content-type": "application/problem+json", ...headers },
    body: JSON.stringify({
      type: `${PROBLEM_BASE}/${problem.slug}`,
      title: problem.title,
      status: problem.status,
      ...(problem.detail ? { detail: problem.detail } : {}),
      instance,
      ...problem.extensions,
    }),
  };
}
