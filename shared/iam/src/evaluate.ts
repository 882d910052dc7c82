import { conditionsHold, type RequestContext } from "./conditions";
import { actionMatches, asList, type NamedPolicy, type PolicyStatement, resourceMatches, statementsOf } from "./policy";

/** One authorization question: may the principal perform `action` on `resource`, in this context? */
export interface AuthorizationRequest {
  /** `service:Action`, e.g. `dynamodb:PutItem`. */
  action: string;
  /** The resource's ARN; `*` for actions that admit no resource-level permissions. */
  resource: string;
  context?: RequestContext;
}

export type Decision = "Allow" | "ExplicitDeny" | "ImplicitDeny";

export interface StatementRef {
  policy: string;
  index: number;
  sid?: string;
}

export interface Evaluation {
  decision: Decision;
  /** The statement that decided: the denying one, or the first allowing one. */
  statement?: StatementRef;
}

const appliesTo = (statement: PolicyStatement, request: AuthorizationRequest) => {
  const actionHit =
    statement.NotAction !== undefined
      ? !asList(statement.NotAction).some((pattern) => actionMatches(pattern, request.action))
      : asList(statement.Action).some((pattern) => actionMatches(pattern, request.action));
  if (!actionHit) return false;
  const resourceHit =
    statement.NotResource !== undefined
      ? !asList(statement.NotResource).some((pattern) => resourceMatches(pattern, request.resource))
      : asList(statement.Resource).some((pattern) => resourceMatches(pattern, request.resource));
  return resourceHit && conditionsHold(statement.Condition, request.context ?? {});
};

/**
 * Evaluates identity policies as AWS does within one account: an explicit deny wins, then any
 * allow; otherwise the request is implicitly denied.
 */
export function evaluate(request: AuthorizationRequest, policies: readonly NamedPolicy[]): Evaluation {
  let allow: StatementRef | undefined;
  for (const policy of policies) {
    const statements = statementsOf(policy.document);
    for (const [index, statement] of statements.entries()) {
      if (!appliesTo(statement, request)) continue;
      const ref = { policy: policy.name, index, ...(statement.Sid ? { sid: statement.Sid } : {}) };
      if (statement.Effect === "Deny") return { decision: "ExplicitDeny", statement: ref };
      allow ??= ref;
    }
  }
  return allow ? { decision: "Allow", statement: allow } : { decision: "ImplicitDeny" };
}
