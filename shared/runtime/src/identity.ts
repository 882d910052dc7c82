import { ID_PATTERNS, type Initiator } from "@keel/contracts";
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import { badRequest, HttpProblem } from "./problems";

/** The token claim that carries the caller's tenant (a custom attribute of the identity provider). */
export const TENANT_CLAIM = "custom:tenantId";

export interface Identity {
  tenantId: string;
  initiator: Initiator;
}

/** Tenant and user from the claims the JWT authorizer verified; never from the request body. */
export function identityOf(event: Pick<APIGatewayProxyEventV2WithJWTAuthorizer, "requestContext">): Identity {
  const claims = event.requestContext.authorizer?.jwt?.claims ?? {};
  const tenantId = claims[TENANT_CLAIM];
  const subject = claims.sub;
  if (typeof tenantId !== "string" || tenantId.length === 0 || typeof subject !== "string" || subject.length === 0) {
    throw new HttpProblem(403, "no-tenant", "Forbidden", `the token must carry the ${TENANT_CLAIM} and sub claims`);
  }
  return { tenantId, initiator: { type: "user", id: subject } };
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
