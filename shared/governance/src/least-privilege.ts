import {
  arnFitsTemplate,
  asList,
  describeAction,
  evaluate,
  type PolicyDocument,
  type PolicyStatement,
  statementsOf,
  wildcardMatch,
} from "@keel/iam";
import type { PackagedService } from "./ownership";
import { CHECK_ACCOUNT, CHECK_REGION, ofType, type ResolvedStack, referencedId, resolveStack } from "./templates";

/**
 * Least privilege over the packaged templates, as rules a template either passes or fails:
 * identity policies name real actions, never by wildcard, on resources of the kind each action
 * acts on; each function has a role of its own; every EventBridge target has a retry policy and a
 * dead-letter queue that admits the rule; every function invoked asynchronously keeps what fails.
 * AWS's Service Authorization Reference (through @keel/iam) says which actions exist, which
 * resource types each acts on, and which admit only `Resource: "*"`.
 */

export const LEAST_PRIVILEGE_RULES = [
  "WILDCARD_ACTION",
  "UNKNOWN_ACTION",
  "WILDCARD_RESOURCE",
  "WILDCARD_ONLY_ACTION_SCOPED",
  "RESOURCE_TYPE_MISMATCH",
  "ALLOW_NOT_ACTION",
  "ALLOW_NOT_RESOURCE",
  "DUPLICATE_SID",
  "SHARED_FUNCTION_ROLE",
  "MANAGED_POLICY",
  "TARGET_WITHOUT_RETRY_POLICY",
  "TARGET_WITHOUT_DLQ",
  "DLQ_REFUSES_RULE",
  "ASYNC_FAILURES_DROPPED",
] as const;

export type LeastPrivilegeRule = (typeof LEAST_PRIVILEGE_RULES)[number];

export interface LeastPrivilegeViolation {
  service: string;
  /** The logical id, and where in it (a policy statement, a rule target). */
  resource: string;
  rule: LeastPrivilegeRule;
  detail: string;
}

interface Policy {
  /** `<logicalId> <policy name>`. */
  where: string;
  service: string;
  logicalId: string;
  document: PolicyDocument;
}

/** Identity policies: roles' inline policies, and IAM policy resources. */
function identityPolicies(stack: ResolvedStack): Policy[] {
  const policies: Policy[] = [];
  for (const role of ofType(stack, "AWS::IAM::Role")) {
    const inline = (role.properties.Policies ?? []) as Array<{ PolicyName?: unknown; PolicyDocument?: PolicyDocument }>;
    inline.forEach((policy, position) => {
      if (!policy.PolicyDocument) return;
      policies.push({
        where: `${role.logicalId} ${String(policy.PolicyName ?? position)}`,
        service: stack.service,
        logicalId: role.logicalId,
        document: policy.PolicyDocument,
      });
    });
  }
  for (const type of ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy"]) {
    for (const policy of ofType(stack, type)) {
      const document = policy.properties.PolicyDocument as PolicyDocument | undefined;
      if (document)
        policies.push({ where: policy.logicalId, service: stack.service, logicalId: policy.logicalId, document });
    }
  }
  return policies;
}

/** An ARN template with its placeholders filled: an ARN of that resource type. */
const sampleArn = (template: string) =>
  template.replace(/\$\{Partition\}/g, "aws").replace(/\$\{[A-Za-z]+\}/g, "sample");

async function checkStatement(
  statement: PolicyStatement,
  index: number,
  report: (rule: LeastPrivilegeRule, detail: string) => void,
) {
  if (statement.Effect !== "Allow") return;
  const label = statement.Sid ? `statement ${index} (${statement.Sid})` : `statement ${index}`;
  if (statement.NotAction !== undefined) {
    report("ALLOW_NOT_ACTION", `${label} allows every action but ${asList(statement.NotAction).join(", ")}`);
    return;
  }
  const resources = asList(statement.Resource).map(String);
  const excluded = asList(statement.NotResource).map(String);
  for (const action of asList(statement.Action).map(String)) {
    if (action.includes("*") || action.includes("?")) {
      report("WILDCARD_ACTION", `${label} grants ${action}: name each action the function calls`);
      continue;
    }
    const info = await describeAction(action);
    if (!info) {
      report("UNKNOWN_ACTION", `${label} grants ${action}, which AWS does not have (a typo grants nothing)`);
      continue;
    }
    if (statement.NotResource !== undefined) {
      const uncovered = info.resourceTypes.filter(
        (type) => !excluded.some((pattern) => wildcardMatch(pattern, sampleArn(type.arn))),
      );
      if (info.wildcardOnly || uncovered.length > 0)
        report(
          "ALLOW_NOT_RESOURCE",
          `${label} grants ${action} on everything but ${excluded.join(", ")}, which leaves ${
            uncovered.map((type) => type.name).join(", ") || "every resource"
          } open`,
        );
      continue;
    }
    for (const resource of resources) {
      if (info.wildcardOnly) {
        if (resource !== "*")
          report(
            "WILDCARD_ONLY_ACTION_SCOPED",
            `${label} grants ${info.action} on ${resource}, but AWS authorizes ${info.action} only on Resource "*": this grants nothing`,
          );
        continue;
      }
      if (resource === "*") {
        report(
          "WILDCARD_RESOURCE",
          `${label} grants ${info.action} on every resource; it acts on ${info.resourceTypes.map((type) => type.name).join(", ")} resources: name them`,
        );
        continue;
      }
      if (!resource.startsWith("arn:") || resource.startsWith("arn:aws:local:")) continue;
      if (!info.resourceTypes.some((type) => arnFitsTemplate(resource, type.arn)))
        report(
          "RESOURCE_TYPE_MISMATCH",
          `${label} grants ${info.action} on ${resource}, which is none of the resources it acts on (${info.resourceTypes
            .map((type) => type.name)
            .join(", ")}): this grants nothing`,
        );
    }
  }
}

const ruleArnOf = (stack: ResolvedStack, logicalId: string) => stack.index.getAtt(logicalId, "Arn");

/** Every rule over every stack: identity policies, roles, rule targets and their dead letters. */
export async function checkLeastPrivilege(services: readonly PackagedService[]): Promise<LeastPrivilegeViolation[]> {
  const stacks = services.map((service) => resolveStack(service));
  const violations: LeastPrivilegeViolation[] = [];

  for (const stack of stacks) {
    for (const policy of identityPolicies(stack)) {
      const statements = statementsOf(policy.document);
      const sids = statements.map((statement) => statement.Sid).filter((sid): sid is string => Boolean(sid));
      for (const sid of new Set(sids.filter((sid, position) => sids.indexOf(sid) !== position)))
        violations.push({
          service: stack.service,
          resource: policy.where,
          rule: "DUPLICATE_SID",
          detail: `Sid ${sid} appears more than once; IAM rejects the policy`,
        });
      for (const [index, statement] of statements.entries()) {
        await checkStatement(statement, index, (rule, detail) =>
          violations.push({ service: stack.service, resource: policy.where, rule, detail }),
        );
      }
    }

    // Each function its own role, defined in the template, with no managed policies.
    const byRole = new Map<string, string[]>();
    for (const fn of ofType(stack, "AWS::Lambda::Function")) {
      const roleId = referencedId(fn.raw.Role);
      if (!roleId) continue;
      byRole.set(roleId, [...(byRole.get(roleId) ?? []), fn.logicalId]);
    }
    for (const [roleId, functions] of byRole) {
      if (functions.length > 1)
        violations.push({
          service: stack.service,
          resource: roleId,
          rule: "SHARED_FUNCTION_ROLE",
          detail: `${functions.length} functions share this role (${functions.join(", ")}): each gets every grant any of them needs`,
        });
      const role = stack.resources.find((resource) => resource.logicalId === roleId);
      const managed = asList(role?.properties.ManagedPolicyArns as string | string[] | undefined);
      if (managed.length > 0)
        violations.push({
          service: stack.service,
          resource: roleId,
          rule: "MANAGED_POLICY",
          detail: `attaches ${managed.join(", ")}: a managed policy grants what its owner decides, not what the function uses`,
        });
    }
  }

  // Rule targets: retries, a dead-letter queue, and one that admits the rule.
  const queuePolicies = stacks.flatMap((stack) => ofType(stack, "AWS::SQS::QueuePolicy"));
  const queueArns = new Map<string, string>(); // queue ARN → "service/logicalId"
  for (const stack of stacks) {
    for (const queue of ofType(stack, "AWS::SQS::Queue"))
      queueArns.set(stack.index.getAtt(queue.logicalId, "Arn"), `${stack.service}/${queue.logicalId}`);
  }
  const admits = (queueArn: string, ruleArn: string) =>
    queuePolicies.some((policy) => {
      const queues = asList(policy.properties.Queues as string | string[] | undefined);
      const arns = queues.map((url) => `arn:aws:sqs:${CHECK_REGION}:${CHECK_ACCOUNT}:${String(url).split("/").pop()}`);
      if (!arns.includes(queueArn)) return false;
      const document = policy.properties.PolicyDocument as PolicyDocument;
      const fromEventBridge: PolicyDocument = {
        Statement: statementsOf(document).filter((statement) =>
          asList((statement as { Principal?: { Service?: string | string[] } }).Principal?.Service).includes(
            "events.amazonaws.com",
          ),
        ),
      };
      return (
        evaluate({ action: "sqs:SendMessage", resource: queueArn, context: { "aws:SourceArn": ruleArn } }, [
          { name: policy.logicalId, document: fromEventBridge },
        ]).decision === "Allow"
      );
    });

  for (const stack of stacks) {
    const invokeConfigs = ofType(stack, "AWS::Lambda::EventInvokeConfig");
    for (const rule of ofType(stack, "AWS::Events::Rule")) {
      const ruleArn = ruleArnOf(stack, rule.logicalId);
      const targets = (rule.properties.Targets ?? []) as Array<Record<string, unknown>>;
      const rawTargets = (rule.raw.Targets ?? []) as Array<Record<string, unknown>>;
      targets.forEach((target, position) => {
        const where = `${rule.logicalId} target ${String(target.Id ?? position)}`;
        const retry = target.RetryPolicy as Record<string, unknown> | undefined;
        if (!retry || (retry.MaximumRetryAttempts === undefined && retry.MaximumEventAgeInSeconds === undefined))
          violations.push({
            service: stack.service,
            resource: where,
            rule: "TARGET_WITHOUT_RETRY_POLICY",
            detail: "no RetryPolicy: EventBridge's defaults (185 attempts over 24 h) are nobody's decision",
          });
        const deadLetter = (target.DeadLetterConfig as { Arn?: string } | undefined)?.Arn;
        if (!deadLetter) {
          violations.push({
            service: stack.service,
            resource: where,
            rule: "TARGET_WITHOUT_DLQ",
            detail: "no DeadLetterConfig: an event EventBridge cannot deliver after its retries is dropped",
          });
        } else if (queueArns.has(deadLetter) && !admits(deadLetter, ruleArn)) {
          violations.push({
            service: stack.service,
            resource: where,
            rule: "DLQ_REFUSES_RULE",
            detail: `the dead-letter queue ${queueArns.get(deadLetter)} has no policy letting events.amazonaws.com send from ${ruleArn}: undeliverable events would be dropped`,
          });
        }
        // A function EventBridge invokes runs asynchronously: what still fails after Lambda's
        // retries must go somewhere.
        const functionId = referencedId(rawTargets[position]?.Arn);
        const fn = stack.resources.find(
          (resource) => resource.logicalId === functionId && resource.type === "AWS::Lambda::Function",
        );
        if (!fn) return;
        const config = invokeConfigs.find((candidate) => referencedId(candidate.raw.FunctionName) === functionId);
        const onFailure = (config?.properties.DestinationConfig as { OnFailure?: { Destination?: string } } | undefined)
          ?.OnFailure?.Destination;
        if (!onFailure && !(fn.properties.DeadLetterConfig as { TargetArn?: string } | undefined)?.TargetArn)
          violations.push({
            service: stack.service,
            resource: fn.logicalId,
            rule: "ASYNC_FAILURES_DROPPED",
            detail: `invoked asynchronously by ${rule.logicalId} with neither an onFailure destination nor a dead-letter queue: an event that fails every attempt is lost`,
          });
      });
    }
  }
  return violations;
}

/** `orders PostOrdersIamRoleLambdaExecution …: WILDCARD_ACTION (…)`. */
export function formatLeastPrivilegeViolation(violation: LeastPrivilegeViolation): string {
  return `${violation.service} ${violation.resource}: ${violation.rule} (${violation.detail})`;
}
