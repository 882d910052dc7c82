import { ID_PATTERNS, type Initiator, initiatorSchema, tenantIdSchema } from "@keel/contracts";
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import { badRequest, HttpProblem } from "./problems";

/** The token claim that carries the caller's tenant (a custom attribute of the identity provider). */
export const TENANT_CLAIM = "custom:tenantId";

export interface Identity {
  tenantId: string;
  initiator: Initiator;
}

/**
 * Tenant and user from the claims the JWT authorizer verified; never from the request body. Claims
 * the envelope could not carry (a tenant over 64 characters, say) are refused here, as the caller's
 * problem, rather than failing later as the service's.
 */
export function identityOf(event: Pick<APIGatewayProxyEventV2WithJWTAuthorizer, "requestContext">): Identity {
  const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
  const tenantId = claims[TENANT_CLAIM];
  const subject = claims.sub;
  if (typeof tenantId !== "string" || tenantId.length === 0 || typeof subject !== "string" || subject.length === 0) {
    throw new HttpProblem(403, "no-tenant", "Forbidden", `the token must carry the ${TENANT_CLAIM} and sub claims`);
  }
  const initiator: Initiator = { type: "user", id: subject };
  if (!tenantIdSchema.safeParse(tenantId).success || !initiatorSchema.safeParse(initiator).success) {
    throw new HttpProblem(
      403,
      "invalid-identity",
      "Forbidden",
      `the token's ${TENANT_CLAIM} claim must be 1 to 64 characters and its sub claim 1 to 256`,
    );
  }
  return { tenantId, initiator };
}

/** The client's `x-correlation-id` when it is well formed, to echo on an answer; otherwise nothing. */
export function echoedCorrelationId(headers: Record<string, string | undefined> | undefined): Record<string, string> {
  const value = headers?.["x-correlation-id"];
  return value !== undefined && ID_PATTERNS.correlation.test(value) ? { "x-correlation-id": value } : {};
}

/** The correlation id a client sent in `x-correlation-id`, if any; a malformed one is a 400. */
export function clientCorrelationId(headers: Record<string, string | undefined>): string | undefined {
  const value = headers["x-correlation-id"];
  if (value === undefined || value === "") return undefined;
  if (!ID_PATTERNS.correlation.test(value)) {
    throw badRequest("invalid-correlation-id", "x-correlation-id must be corr_ followed by a ULID or a UUID", {
      received: value.slice(0, 100),
    });
  }
  return value;
}
