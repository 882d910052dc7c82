import {
  actionMatches,
  asList,
  conditionsHold,
  type PolicyStatement,
  resourceMatches,
  type StatementRef,
  statementsOf,
} from "@keel/iam";
import type { FunctionDef } from "../config/model";
import type { IamUse } from "./authorizer";

/** One action on one resource (pattern) a role's statement allows. */
export interface Grant {
  function: string;
  role: string;
  action: string;
  /** The resource pattern, or `not <pattern>` for a NotResource statement. */
  resource: string;
  statement: StatementRef & { condition?: PolicyStatement["Condition"] };
}

export interface Coverage {
  used: Grant[];
  /** Grants no recorded call exercised, and no exemption explains. */
  unused: Grant[];
  /** Grants no recorded call exercised, with the reason they are kept. */
  exempt: Array<Grant & { reason: string }>;
}

/** Why a grant a run did not exercise is still needed, or undefined if nothing explains it. */
export type Exemption = (grant: Grant) => string | undefined;

/** Every Allow grant of every function's role, one per action and resource pattern. */
export function grantsOf(functions: readonly FunctionDef[]): Grant[] {
  const grants: Grant[] = [];
  for (const definition of functions) {
    const role = definition.role;
    if (!role) continue;
    for (const policy of role.policies) {
      statementsOf(policy.document).forEach((statement, index) => {
        if (statement.Effect !== "Allow") return;
        const ref = {
          policy: policy.name,
          index,
          ...(statement.Sid ? { sid: statement.Sid } : {}),
          ...(statement.Condition ? { condition: statement.Condition } : {}),
        };
        const resources =
          statement.NotResource !== undefined
            ? asList(statement.NotResource).map((pattern) => `not ${pattern}`)
            : asList(statement.Resource);
        for (const action of asList(statement.Action ?? statement.NotAction)) {
          for (const resource of resources)
            grants.push({ function: definition.name, role: role.name, action, resource, statement: ref });
        }
      });
    }
  }
  return grants;
}

const exercises = (grant: Grant, use: IamUse) => {
  if (use.function !== grant.function || use.decision !== "Allow" || !actionMatches(grant.action, use.action))
    return false;
  const fits = grant.resource.startsWith("not ")
    ? !resourceMatches(grant.resource.slice(4), use.resource)
    : resourceMatches(grant.resource, use.resource);
  return fits && conditionsHold(grant.statement.condition, use.context);
};

/**
 * Which grants of the functions' roles the recorded calls exercised: what a role allows beyond
 * what its function was seen to use (and beyond the exemptions) is more than it needs.
 */
export function coverage(functions: readonly FunctionDef[], usage: readonly IamUse[], exemption?: Exemption): Coverage {
  const result: Coverage = { used: [], unused: [], exempt: [] };
  for (const grant of grantsOf(functions)) {
    if (usage.some((use) => exercises(grant, use))) {
      result.used.push(grant);
      continue;
    }
    const reason = exemption?.(grant);
    if (reason) result.exempt.push({ ...grant, reason });
    else result.unused.push(grant);
  }
  return result;
}
