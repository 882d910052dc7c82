import { domains } from "@keel/contracts";
import { asList, type PolicyStatement } from "@keel/iam";
import type { PackagedService } from "./ownership";
import { CHECK_ACCOUNT, ofType, type ResolvedStack, resolveStack } from "./templates";

/**
 * Production hygiene in every packaged template: logs kept for a set time, data encrypted at rest,
 * every resource tagged with its domain, owning team and cost centre (from the registry's owners),
 * and event buses open to other accounts only where the platform declares those publishers.
 */

export const HYGIENE_RULES = [
  "LOG_RETENTION_MISSING",
  "FUNCTION_LOG_GROUP_MISSING",
  "TABLE_NOT_ENCRYPTED",
  "QUEUE_NOT_ENCRYPTED",
  "TOPIC_NOT_ENCRYPTED",
  "BUCKET_NOT_ENCRYPTED",
  "DOMAIN_UNKNOWN",
  "STACK_TAG_MISSING",
  "TAG_MISMATCH",
  "BUS_OPEN_TO_ANYONE",
  "UNDECLARED_PUBLISHER",
  "PUBLISHER_SOURCES_UNSCOPED",
] as const;

export type HygieneRule = (typeof HYGIENE_RULES)[number];

export interface HygieneViolation {
  service: string;
  resource: string;
  rule: HygieneRule;
  detail: string;
}

/** An account outside this one that may publish to the buses, with the sources it may use. */
export interface DeclaredPublisher {
  account: string;
  sources: string[];
  why?: string;
}

const REQUIRED_TAGS = ["domain", "team", "cost-centre"] as const;

type TagList = Array<{ Key?: unknown; Value?: unknown }> | Record<string, unknown>;

const tagsOf = (value: unknown): Record<string, string> | undefined => {
  if (value === undefined || value === null) return undefined;
  if (Array.isArray(value))
    return Object.fromEntries(
      (value as Array<{ Key?: unknown; Value?: unknown }>).map((tag) => [String(tag.Key), String(tag.Value)]),
    );
  if (typeof value === "object")
    return Object.fromEntries(Object.entries(value as TagList).map(([key, tag]) => [key, String(tag)]));
  return undefined;
};

const keelCustom = (stack: ResolvedStack) =>
  (stack.resolved.custom ?? {}) as { domain?: unknown; keel?: { crossAccountPublishers?: DeclaredPublisher[] } };

/** The cross-account publishers a service declares (`custom.keel.crossAccountPublishers`). */
export function declaredPublishers(service: PackagedService): DeclaredPublisher[] {
  return keelCustom(resolveStack(service)).keel?.crossAccountPublishers ?? [];
}

function principalAccounts(statement: PolicyStatement & { Principal?: unknown }): string[] | "*" {
  const principal = statement.Principal;
  if (principal === "*") return "*";
  const aws = asList((principal as { AWS?: string | string[] } | undefined)?.AWS);
  if (aws.includes("*")) return "*";
  return aws.map((entry) => (/^\d{12}$/.test(entry) ? entry : (/:iam::(\d{12}):/.exec(entry)?.[1] ?? entry)));
}

function checkBusPolicy(
  stack: ResolvedStack,
  where: string,
  statements: PolicyStatement[],
  declared: DeclaredPublisher[],
  report: (violation: HygieneViolation) => void,
) {
  for (const statement of statements) {
    if (statement.Effect !== "Allow") continue;
    const accounts = principalAccounts(statement as PolicyStatement & { Principal?: unknown });
    const orgScoped = JSON.stringify(statement.Condition ?? {}).includes("aws:PrincipalOrgID");
    if (accounts === "*") {
      if (!orgScoped)
        report({
          service: stack.service,
          resource: where,
          rule: "BUS_OPEN_TO_ANYONE",
          detail: `${statement.Sid ?? "a statement"} lets any AWS account put events on the bus`,
        });
      continue;
    }
    for (const account of accounts.filter((candidate) => candidate !== CHECK_ACCOUNT)) {
      const declaration = declared.find((publisher) => publisher.account === account);
      if (!declaration) {
        report({
          service: stack.service,
          resource: where,
          rule: "UNDECLARED_PUBLISHER",
          detail: `account ${account} may put events on the bus but is not in custom.keel.crossAccountPublishers`,
        });
        continue;
      }
      const condition = (statement.Condition ?? {}) as Record<string, Record<string, unknown>>;
      const sources = asList(condition.StringEquals?.["events:source"] as string | string[] | undefined);
      const outside = sources.filter((source) => !declaration.sources.includes(source));
      if (sources.length === 0 || outside.length > 0)
        report({
          service: stack.service,
          resource: where,
          rule: "PUBLISHER_SOURCES_UNSCOPED",
          detail:
            sources.length === 0
              ? `account ${account} may publish any source; scope it with an events:source condition to ${declaration.sources.join(", ")}`
              : `account ${account} may publish ${outside.join(", ")}, beyond its declared sources (${declaration.sources.join(", ")})`,
        });
    }
  }
}

export function checkHygiene(services: readonly PackagedService[]): HygieneViolation[] {
  const violations: HygieneViolation[] = [];
  const report = (violation: HygieneViolation) => violations.push(violation);
  const stacks = services.map((service) => resolveStack(service));
  const declared = stacks.flatMap((stack) => keelCustom(stack).keel?.crossAccountPublishers ?? []);

  for (const stack of stacks) {
    const at = (resource: string, rule: HygieneRule, detail: string) =>
      report({ service: stack.service, resource, rule, detail });

    // Logs: kept for a set time, and a log group in the template for every function (otherwise
    // Lambda creates one that keeps everything forever).
    const logGroups = ofType(stack, "AWS::Logs::LogGroup");
    for (const group of logGroups) {
      if (group.properties.RetentionInDays === undefined)
        at(group.logicalId, "LOG_RETENTION_MISSING", "no RetentionInDays: the logs are kept forever");
    }
    const groupNames = new Set(logGroups.map((group) => String(group.properties.LogGroupName ?? "")));
    for (const fn of ofType(stack, "AWS::Lambda::Function")) {
      const custom = (fn.properties.LoggingConfig as { LogGroup?: string } | undefined)?.LogGroup;
      const name = custom ?? `/aws/lambda/${String(fn.properties.FunctionName ?? "")}`;
      if (!groupNames.has(name))
        at(
          fn.logicalId,
          "FUNCTION_LOG_GROUP_MISSING",
          `its log group ${name} is not in the template: Lambda would create one kept forever`,
        );
    }

    // Encryption at rest.
    for (const table of ofType(stack, "AWS::DynamoDB::Table")) {
      if ((table.properties.SSESpecification as { SSEEnabled?: unknown } | undefined)?.SSEEnabled !== true)
        at(table.logicalId, "TABLE_NOT_ENCRYPTED", "SSESpecification.SSEEnabled is not true");
    }
    for (const queue of ofType(stack, "AWS::SQS::Queue")) {
      if (queue.properties.SqsManagedSseEnabled !== true && queue.properties.KmsMasterKeyId === undefined)
        at(queue.logicalId, "QUEUE_NOT_ENCRYPTED", "neither SqsManagedSseEnabled nor KmsMasterKeyId");
    }
    for (const topic of ofType(stack, "AWS::SNS::Topic")) {
      if (topic.properties.KmsMasterKeyId === undefined)
        at(topic.logicalId, "TOPIC_NOT_ENCRYPTED", "no KmsMasterKeyId: SNS keeps messages unencrypted");
    }
    for (const bucket of ofType(stack, "AWS::S3::Bucket")) {
      if (bucket.properties.BucketEncryption === undefined)
        at(bucket.logicalId, "BUCKET_NOT_ENCRYPTED", "no BucketEncryption");
    }

    // Tags: the stack's tags name the service's domain, its team and cost centre; every resource
    // inherits them, and a resource that sets its own must agree.
    const domain = String(keelCustom(stack).domain ?? "");
    const owners = domains[domain as keyof typeof domains];
    if (!owners) {
      at("(service)", "DOMAIN_UNKNOWN", `custom.domain "${domain}" is not a domain of shared/contracts/domains.json`);
      continue;
    }
    const expected: Record<(typeof REQUIRED_TAGS)[number], string> = {
      domain,
      team: owners.team,
      "cost-centre": owners.costCentre,
    };
    const provider = ((stack.resolved as { provider?: { stackTags?: unknown } }).provider ?? {}) as {
      stackTags?: unknown;
    };
    const stackTags = tagsOf(provider.stackTags) ?? {};
    for (const key of REQUIRED_TAGS) {
      if (stackTags[key] === undefined)
        at("(stack)", "STACK_TAG_MISSING", `provider.stackTags has no ${key} tag (expected ${expected[key]})`);
      else if (stackTags[key] !== expected[key])
        at("(stack)", "TAG_MISMATCH", `stack tag ${key} is ${stackTags[key]}, the registry says ${expected[key]}`);
    }
    for (const resource of stack.resources) {
      const tags = tagsOf(resource.properties.Tags);
      if (!tags) continue;
      for (const key of REQUIRED_TAGS) {
        if (tags[key] !== undefined && tags[key] !== expected[key])
          at(resource.logicalId, "TAG_MISMATCH", `tag ${key} is ${tags[key]}, the registry says ${expected[key]}`);
      }
    }

    // Who may put events on the buses.
    for (const policy of ofType(stack, "AWS::Events::EventBusPolicy")) {
      const statement = policy.properties.Statement as PolicyStatement | undefined;
      const legacy: PolicyStatement & { Principal?: unknown } = {
        Effect: "Allow",
        Action: String(policy.properties.Action ?? "events:PutEvents"),
        Principal: policy.properties.Principal === "*" ? "*" : { AWS: String(policy.properties.Principal ?? "") },
        ...(policy.properties.Condition
          ? {
              Condition: {
                StringEquals: {
                  [String((policy.properties.Condition as { Key?: string }).Key)]: (
                    policy.properties.Condition as { Value?: string }
                  ).Value,
                },
              },
            }
          : {}),
      };
      checkBusPolicy(stack, policy.logicalId, [statement ?? legacy], declared, report);
    }
    for (const bus of ofType(stack, "AWS::Events::EventBus")) {
      const document = bus.properties.Policy as { Statement?: PolicyStatement | PolicyStatement[] } | undefined;
      if (document) checkBusPolicy(stack, bus.logicalId, asList(document.Statement), declared, report);
    }
  }
  return violations;
}

export function formatHygieneViolation(violation: HygieneViolation): string {
  return `${violation.service} ${violation.resource}: ${violation.rule} (${violation.detail})`;
}
