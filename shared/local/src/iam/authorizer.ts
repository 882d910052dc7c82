import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { type AuthorizationRequest, type Decision, evaluate, type StatementRef } from "@keel/iam";
import { AwsError } from "../aws/protocol";
import type { FunctionDef } from "../config/model";
import { type Account, type AwsService, iamRequestsFor } from "./requests";

/**
 * IAM, as AWS applies it to a function's calls. Every function runs with credentials of its own
 * (as Lambda gives each function its execution role's), so each AWS API call the runtime serves
 * is attributed to the function that made it and authorized against that function's role, read
 * from the packaged template: `enforce` refuses what the role does not allow, as AWS would;
 * `record` only notes it. Calls with other credentials (tests, tools) are not checked.
 */

export type IamMode = "enforce" | "record" | "off";

/** How often one function made one kind of authorization request, and what IAM decided. */
export interface IamUse {
  function: string;
  service: string;
  role?: string;
  action: string;
  resource: string;
  /** `events:source`, `events:detail-type` and the like, as the request carried them. */
  context: Record<string, string>;
  decision: Decision | "NotEvaluated";
  statement?: StatementRef;
  count: number;
}

export interface FunctionCredentials {
  AWS_ACCESS_KEY_ID: string;
  AWS_SECRET_ACCESS_KEY: string;
  AWS_SESSION_TOKEN: string;
}

const CREDENTIAL = /Credential=([A-Z0-9]+)\//;

export class AccessDeniedError extends AwsError {
  constructor(
    message: string,
    readonly use: IamUse,
  ) {
    super("AccessDeniedException", message, 400);
  }
}

export class IamAuthorizer {
  private readonly byKey = new Map<string, FunctionDef>();
  private readonly keys = new Map<string, string>();
  private readonly uses = new Map<string, IamUse>();

  constructor(
    functions: readonly FunctionDef[],
    readonly mode: IamMode,
    private readonly account: Account,
    private readonly onDenied?: (use: IamUse, message: string) => void,
  ) {
    for (const definition of functions) {
      const key = `ASIA${createHash("sha256").update(definition.arn).digest("hex").slice(0, 16).toUpperCase()}`;
      this.byKey.set(key, definition);
      this.keys.set(definition.name, key);
    }
  }

  /** The environment a function's SDK signs its calls with. */
  credentialsFor(definition: FunctionDef): FunctionCredentials {
    return {
      AWS_ACCESS_KEY_ID: this.keys.get(definition.name) ?? "test",
      AWS_SECRET_ACCESS_KEY: "local-execution-role",
      AWS_SESSION_TOKEN: `keel-local-${definition.name}`,
    };
  }

  /** The function whose credentials signed a request, if any did. */
  principalOf(headers: IncomingHttpHeaders): FunctionDef | undefined {
    if (this.mode === "off") return undefined;
    const authorization = headers.authorization;
    const key = typeof authorization === "string" ? CREDENTIAL.exec(authorization)?.[1] : undefined;
    return key ? this.byKey.get(key) : undefined;
  }

  /** Authorizes an API call a request's signer made; throws AccessDeniedException when enforcing. */
  checkCall(headers: IncomingHttpHeaders, service: AwsService, operation: string, input: Record<string, unknown>) {
    const principal = this.principalOf(headers);
    if (principal) this.check(principal, service, iamRequestsFor(service, operation, input, this.account));
  }

  /** Authorizes requests a function's role makes (its API calls, or Lambda acting for it). */
  check(principal: FunctionDef, service: string, requests: readonly AuthorizationRequest[]) {
    if (this.mode === "off") return;
    for (const request of requests) {
      const use = this.note(principal, service, request);
      if (use.decision === "Allow" || use.decision === "NotEvaluated") continue;
      const message = deniedMessage(principal, request, use, this.account);
      this.onDenied?.(use, message);
      if (this.mode === "enforce") throw new AccessDeniedError(message, use);
    }
  }

  private note(principal: FunctionDef, service: string, request: AuthorizationRequest): IamUse {
    const context = Object.fromEntries(
      Object.entries(request.context ?? {}).map(([key, value]) => [key, String(value)]),
    ) as Record<string, string>;
    const evaluation = principal.role ? evaluate(request, principal.role.policies) : undefined;
    const decision = evaluation?.decision ?? "NotEvaluated";
    const key = JSON.stringify([principal.name, request.action, request.resource, context, decision]);
    let use = this.uses.get(key);
    if (!use) {
      use = {
        function: principal.name,
        service,
        ...(principal.role ? { role: principal.role.name } : {}),
        action: request.action,
        resource: request.resource,
        context,
        decision,
        ...(evaluation?.statement ? { statement: evaluation.statement } : {}),
        count: 0,
      };
      this.uses.set(key, use);
    }
    use.count += 1;
    return use;
  }

  /** Every kind of request each function made so far, with IAM's decision. */
  usage(): IamUse[] {
    return [...this.uses.values()].map((use) => ({ ...use, context: { ...use.context } }));
  }

  denials(): IamUse[] {
    return this.usage().filter((use) => use.decision === "ImplicitDeny" || use.decision === "ExplicitDeny");
  }
}

function deniedMessage(principal: FunctionDef, request: AuthorizationRequest, use: IamUse, account: Account) {
  const who = `arn:aws:sts::${account.accountId}:assumed-role/${principal.role?.name ?? "unknown"}/${principal.name}`;
  const why =
    use.decision === "ExplicitDeny"
      ? `with an explicit deny in an identity-based policy (${use.statement?.policy ?? "?"})`
      : `because no identity-based policy allows the ${request.action} action`;
  const context = Object.entries(use.context)
    .map(([key, value]) => `${key}=${value}`)
    .join(", ");
  return `User: ${who} is not authorized to perform: ${request.action} on resource: ${request.resource} ${why}${
    context ? ` (request context: ${context})` : ""
  }`;
}
