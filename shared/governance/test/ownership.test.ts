import type { CloudFormationTemplate } from "@keel/serverless";
import { checkOwnership, formatOwnershipViolation, type PackagedService, packageForOwnership } from "../src";

let services: PackagedService[];
beforeAll(async () => {
  services = await packageForOwnership(); // every service, from the packaging cache
}, 240_000);

/** A deep copy of a real packaged service, mutated. */
function variant(name: string, mutate: (template: CloudFormationTemplate) => void): PackagedService {
  const original = services.find((service) => service.service === name);
  if (!original) throw new Error(`${name} was not packaged`);
  const copy = structuredClone(original);
  mutate(copy.template);
  return copy;
}

type Properties = Record<string, unknown> & { EventPattern: Record<string, unknown> };

/** The properties of the service's rule subscribing to `detailType`. */
function ruleOn(template: CloudFormationTemplate, detailType: string): Properties {
  const rule = Object.values(template.Resources).find(
    (resource) =>
      resource.Type === "AWS::Events::Rule" &&
      JSON.stringify((resource.Properties as Properties | undefined)?.EventPattern?.["detail-type"]).includes(
        `"${detailType}"`,
      ),
  );
  if (!rule?.Properties) throw new Error(`no rule on ${detailType}`);
  return rule.Properties as Properties;
}

/** The findings of a fixture beyond the known ones. */
const findings = (service: PackagedService) =>
  checkOwnership([service]).map((violation) => `${violation.rule}: ${violation.detail}`);

describe("ownership of subscriptions and publications", () => {
  it("passes on the real project", () => {
    expect(checkOwnership(services).map(formatOwnershipViolation)).toEqual([]);
  });

  it("fails on a rule without a detail-type filter", () => {
    const fixture = variant("orders", (template) => {
      delete ruleOn(template, "CreateOrder").EventPattern["detail-type"];
    });
    expect(findings(fixture)).toEqual([
      "WILDCARD_SUBSCRIPTION: no detail-type filter: the rule matches every detail-type (wildcard subscription)",
    ]);
  });

  it("fails on a rule with a prefix source (a wildcard subscription)", () => {
    const fixture = variant("notifications", (template) => {
      ruleOn(template, "OrderCreated").EventPattern.source = [{ prefix: "com.example." }];
    });
    expect(findings(fixture)).toEqual([
      'WILDCARD_SUBSCRIPTION: source matches {"prefix":"com.example."}, a content filter rather than exact names (wildcard subscription)',
    ]);
  });

  it("fails on a rule on an unregistered message, or on a message with a source it is not published with", () => {
    const unregistered = variant("inventory", (template) => {
      ruleOn(template, "OrderPlaced").EventPattern["detail-type"] = ["OrderShipped"];
    });
    expect(findings(unregistered)).toEqual([
      expect.stringMatching(/^UNREGISTERED_SUBSCRIPTION: OrderShipped is not a registered message/),
    ]);
    const wrongSource = variant("payments", (template) => {
      ruleOn(template, "OrderPlaced").EventPattern.source = ["com.example.inventory.service"];
    });
    expect(findings(wrongSource)).toEqual([
      "UNREGISTERED_SUBSCRIPTION: OrderPlaced is published with source com.example.orders.api, which the rule does not list: the rule never receives it",
    ]);
    const unknownSource = variant("payments", (template) => {
      const pattern = ruleOn(template, "OrderPlaced").EventPattern;
      pattern.source = ["com.example.orders.api", "com.example.shop.web"];
    });
    expect(findings(unknownSource)).toEqual([
      "UNREGISTERED_SUBSCRIPTION: source com.example.shop.web is no registered message's source",
    ]);
  });

  it("fails on a command received by a domain that does not own it, and on a rule on the wrong bus", () => {
    const stolen = variant("notifications", (template) => {
      const rule = ruleOn(template, "OrderRejected");
      rule.EventBusName = "keel-dev-commands";
      rule.EventPattern = { source: ["com.example.orders.workflow"], "detail-type": ["AuthorizePayment"] };
    });
    expect(findings(stolen)).toEqual([
      "COMMAND_SUBSCRIBED_BY_NON_OWNER: AuthorizePayment is addressed to payments; notifications must not receive it (a command has exactly one handler)",
    ]);
    const wrongBus = variant("inventory", (template) => {
      ruleOn(template, "PaymentFailed").EventBusName = "keel-dev-commands";
    });
    expect(findings(wrongBus)).toEqual([
      "WRONG_BUS: PaymentFailed is an event and travels on the event bus; this rule is on keel-dev-commands",
    ]);
  });

  it("allows AWS service events only as exact detail-types, Step Functions' on the default bus", () => {
    const fixture = variant("platform", (template) => {
      const states = ruleOn(template, "Step Functions Execution Status Change");
      states.EventBusName = "keel-dev-events";
      ruleOn(template, "Lambda Function Invocation Result - Success").EventPattern["detail-type"] = [
        { prefix: "Lambda Function Invocation Result" },
      ];
    });
    expect(findings(fixture)).toEqual([
      'WILDCARD_SUBSCRIPTION: detail-type matches {"prefix":"Lambda Function Invocation Result"}, a content filter rather than exact names (wildcard subscription)',
      'WRONG_BUS: Step Functions emits "Step Functions Execution Status Change" on the default bus only; this rule is on keel-dev-events',
    ]);
  });

  it("fails on a role allowed to publish another domain's source, or any source of a pattern", () => {
    const sourceCondition = (template: CloudFormationTemplate) => {
      const role = template.Resources.AuthorizePaymentIamRoleLambdaExecution?.Properties as {
        Policies: { PolicyDocument: { Statement: Record<string, unknown>[] } }[];
      };
      const statement = role.Policies[0]?.PolicyDocument.Statement.find((candidate) =>
        JSON.stringify(candidate.Condition ?? "").includes("events:source"),
      );
      if (!statement) throw new Error("no events:source condition");
      const scoped = statement as { Condition: Record<string, Record<string, string | string[]>> };
      const equals = scoped.Condition.StringEquals as Record<string, string | string[]>;
      equals["events:source"] = [equals["events:source"] ?? []].flat();
      return statement as { Condition: Record<string, Record<string, string[]>> };
    };
    const unconditioned = variant("payments", (template) => {
      delete (sourceCondition(template) as { Condition?: unknown }).Condition;
    });
    expect(findings(unconditioned)).toEqual([expect.stringMatching(/^PUT_EVENTS_WITHOUT_SOURCE_CONDITION: /)]);
    const foreign = variant("payments", (template) => {
      sourceCondition(template).Condition.StringEquals?.["events:source"]?.push("com.example.orders.workflow");
    });
    expect(findings(foreign)).toEqual([
      expect.stringMatching(
        /^PUBLISHES_FOREIGN_SOURCE: the role may publish with com\.example\.orders\.workflow, which carries orders' messages \(OrderCreated, OrderRejected, AuthorizePayment, .*\): payments may publish only com\.example\.payments\.service$/,
      ),
    ]);
    const lambda = variant("payments", (template) => {
      sourceCondition(template).Condition.StringEquals?.["events:source"]?.push("lambda");
    });
    expect(findings(lambda)).toEqual([]); // Lambda destinations publish with source "lambda"
    const pattern = variant("payments", (template) => {
      sourceCondition(template).Condition = { StringLike: { "events:source": ["com.example.*"] } };
    });
    expect(findings(pattern)).toEqual([
      'PUT_EVENTS_WILDCARD_SOURCE: events:source "com.example.*" is not an exact source: the role may publish sources payments does not own',
    ]);
  });

  it("fails on a state machine publishing with another domain's source", () => {
    const fixture = variant("orders", (template) => {
      const machine = template.Resources.CreateOrderStateMachine?.Properties as {
        DefinitionString: { "Fn::Sub": [string, unknown] };
      };
      const [definition] = machine.DefinitionString["Fn::Sub"];
      machine.DefinitionString["Fn::Sub"][0] = definition.replace(
        /"Source": "com\.example\.orders\.workflow",(\s*)"DetailType": "OrderCreated"/,
        '"Source": "com.example.payments.service",$1"DetailType": "OrderCreated"',
      );
    });
    expect(findings(fixture)).toEqual([
      expect.stringMatching(
        /^PUBLISHES_FOREIGN_SOURCE: it publishes with com\.example\.payments\.service, which carries payments' messages \(PaymentAuthorized, .*\): orders may publish only com\.example\.orders\.api, com\.example\.orders\.workflow$/,
      ),
      "PUBLISHES_UNREGISTERED_MESSAGE: OrderCreated is published with source com.example.orders.workflow, not com.example.payments.service",
    ]);
  });

  it("fails on a service that declares no domain", () => {
    const fixture = structuredClone(services.find((service) => service.service === "notifications") as PackagedService);
    fixture.resolved.custom = {};
    expect(findings(fixture)).toEqual([
      "SERVICE_WITHOUT_DOMAIN: the service declares no custom.domain: ownership cannot be checked",
    ]);
  });
});
