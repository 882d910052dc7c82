import { readFileSync } from "node:fs";
import type { CloudFormationTemplate } from "@keel/serverless";
import {
  CODEOWNERS_FILE,
  checkCodeowners,
  checkHygiene,
  formatCodeownersViolation,
  formatHygieneViolation,
  type PackagedService,
  packageForOwnership,
} from "../src";

/** Production hygiene and CODEOWNERS: the real project passes; each broken copy fails as named. */

let services: PackagedService[];
beforeAll(async () => {
  services = await packageForOwnership();
}, 240_000);

type Resources = CloudFormationTemplate["Resources"];

function variant(name: string, mutate: (resources: Resources, service: PackagedService) => void): PackagedService[] {
  return services.map((service) => {
    if (service.service !== name) return service;
    const copy = structuredClone(service);
    mutate(copy.template.Resources, copy);
    return copy;
  });
}

const findings = (fixture: PackagedService[]) =>
  checkHygiene(fixture).map((violation) => `${violation.rule} ${violation.service} ${violation.resource}`);

const properties = (resources: Resources, logicalId: string) =>
  resources[logicalId]?.Properties as Record<string, unknown>;

describe("production hygiene in every template", () => {
  it("passes on the real project", () => {
    expect(checkHygiene(services).map(formatHygieneViolation)).toEqual([]);
  });

  it("fails on a log group kept forever, and on a function whose log group is not in the template", () => {
    const fixture = variant("orders", (resources) => {
      delete properties(resources, "GetOrderLogGroup").RetentionInDays;
      delete resources.PostOrdersLogGroup;
    });
    expect(findings(fixture)).toEqual([
      "LOG_RETENTION_MISSING orders GetOrderLogGroup",
      "FUNCTION_LOG_GROUP_MISSING orders PostOrdersLambdaFunction",
    ]);
  });

  it("fails on a table, a queue and a topic not encrypted at rest", () => {
    const fixture = variant("platform", (resources) => {
      delete properties(resources, "AuditTable").SSESpecification;
      delete properties(resources, "DeadLetterQueue").SqsManagedSseEnabled;
      delete properties(resources, "AlarmTopic").KmsMasterKeyId;
    });
    expect(findings(fixture)).toEqual([
      "TABLE_NOT_ENCRYPTED platform AuditTable",
      "QUEUE_NOT_ENCRYPTED platform DeadLetterQueue",
      "TOPIC_NOT_ENCRYPTED platform AlarmTopic",
    ]);
  });

  it("fails on stack tags missing or disagreeing with the registry's owners", () => {
    const fixture = variant("payments", (resources, service) => {
      const provider = (service.resolved as { provider: { stackTags: Record<string, string> } }).provider;
      delete provider.stackTags["cost-centre"];
      provider.stackTags.team = "orders-team";
      const tags = properties(resources, "PaymentsTable").Tags as Array<{ Key: string; Value: string }>;
      const domain = tags.find((tag) => tag.Key === "domain");
      if (domain) domain.Value = "orders";
    });
    expect(findings(fixture)).toEqual([
      "TAG_MISMATCH payments (stack)",
      "STACK_TAG_MISSING payments (stack)",
      "TAG_MISMATCH payments PaymentsTable",
    ]);
  });

  it("admits other accounts to a bus only where the platform declares them, for their sources", () => {
    const withPolicy = (statement: Record<string, unknown>, declared: unknown[] = []) =>
      variant("platform", (resources, service) => {
        resources.PartnerPublishes = {
          Type: "AWS::Events::EventBusPolicy",
          Properties: { EventBusName: { Ref: "EventBus" }, StatementId: "Partner", Statement: statement },
        };
        (service.resolved.custom as Record<string, unknown>).keel = { crossAccountPublishers: declared };
      });
    const partner = {
      Sid: "Partner",
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::210987654321:root" },
      Action: "events:PutEvents",
      Resource: "*",
      Condition: { StringEquals: { "events:source": ["com.partner.shipping"] } },
    };
    expect(findings(withPolicy(partner))).toEqual(["UNDECLARED_PUBLISHER platform PartnerPublishes"]);
    const declared = [{ account: "210987654321", sources: ["com.partner.shipping"], why: "carrier updates" }];
    expect(findings(withPolicy(partner, declared))).toEqual([]);
    expect(findings(withPolicy({ ...partner, Condition: undefined }, declared))).toEqual([
      "PUBLISHER_SOURCES_UNSCOPED platform PartnerPublishes",
    ]);
    expect(findings(withPolicy({ ...partner, Principal: "*" }, declared))).toEqual([
      "BUS_OPEN_TO_ANYONE platform PartnerPublishes",
    ]);
  });
});

describe("CODEOWNERS agrees with the registry's owners", () => {
  const text = readFileSync(CODEOWNERS_FILE, "utf8");

  it("passes on the real project", () => {
    expect(checkCodeowners(services).map(formatCodeownersViolation)).toEqual([]);
  });

  it("fails on a service given to another team, or to a team the registry does not know", () => {
    const swapped = text.replace(
      "/services/payments/                         @example/payments-team",
      "/services/payments/ @example/orders-team",
    );
    expect(swapped).not.toBe(text);
    expect(
      checkCodeowners(services, { text: swapped }).map((violation) => `${violation.rule} ${violation.path}`),
    ).toEqual([
      "SERVICE_OWNER_MISMATCH services/payments/serverless.yml",
      "SERVICE_OWNER_MISMATCH services/payments/src/handlers/index.ts",
    ]);
    const unknown = `${text}\n/services/inventory/ @example/warehouse-team\n`;
    expect(checkCodeowners(services, { text: unknown }).map((violation) => violation.rule)).toEqual([
      "UNKNOWN_TEAM",
      "SERVICE_OWNER_MISMATCH",
      "SERVICE_OWNER_MISMATCH",
    ]);
  });

  it("fails on a domain's messages owned by another team, and on no CODEOWNERS at all", () => {
    const messages = text.replace(
      "/shared/contracts/src/messages/orders.ts        @example/orders-team",
      "/shared/contracts/src/messages/orders.ts @example/platform-team",
    );
    expect(checkCodeowners(services, { text: messages }).map(formatCodeownersViolation)).toEqual([
      expect.stringMatching(
        /^shared\/contracts\/src\/messages\/orders\.ts: MESSAGES_OWNER_MISMATCH \(the orders messages belongs to orders-team, but CODEOWNERS line \d+ gives it to @example\/platform-team\)$/,
      ),
    ]);
    expect(checkCodeowners(services, { root: "/nonexistent" }).map((violation) => violation.rule)).toEqual([
      "CODEOWNERS_MISSING",
    ]);
  });
});
