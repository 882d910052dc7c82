import type { CloudFormationTemplate } from "@keel/serverless";
import {
  checkLeastPrivilege,
  formatLeastPrivilegeViolation,
  type LeastPrivilegeViolation,
  type PackagedService,
  packageForOwnership,
} from "../src";

/** The static least-privilege rules: the real project passes; each broken copy fails as named. */

let services: PackagedService[];
beforeAll(async () => {
  services = await packageForOwnership(); // every service, from the packaging cache
}, 240_000);

type Statement = Record<string, unknown>;
type Resources = CloudFormationTemplate["Resources"];

function variant(name: string, mutate: (resources: Resources) => void): PackagedService[] {
  return services.map((service) => {
    if (service.service !== name) return service;
    const copy = structuredClone(service);
    mutate(copy.template.Resources);
    return copy;
  });
}

function statementsOf(resources: Resources, roleId: string): Statement[] {
  const role = resources[roleId]?.Properties as
    | { Policies: Array<{ PolicyDocument: { Statement: Statement[] } }> }
    | undefined;
  const statements = role?.Policies[0]?.PolicyDocument.Statement;
  if (!statements) throw new Error(`no role ${roleId}`);
  return statements;
}

const findings = async (fixture: PackagedService[]) =>
  (await checkLeastPrivilege(fixture)).map(
    (violation: LeastPrivilegeViolation) => `${violation.rule} ${violation.resource}`,
  );

const details = async (fixture: PackagedService[]) =>
  (await checkLeastPrivilege(fixture)).map(formatLeastPrivilegeViolation);

describe("least privilege over the packaged templates", () => {
  it("passes on the real project", async () => {
    expect(await details(services)).toEqual([]);
  });

  it("gives every function a role of its own, with no shared framework role left", () => {
    for (const service of services) {
      const resources = Object.entries(service.template.Resources);
      const functions = resources.filter(([, resource]) => resource.Type === "AWS::Lambda::Function");
      const roles = new Set(functions.map(([, fn]) => JSON.stringify((fn.Properties as { Role: unknown }).Role)));
      expect(roles.size).toBe(functions.length);
      expect(service.template.Resources.IamRoleLambdaExecution).toBeUndefined();
    }
  });

  it("fails on a * action, a service-wide action and a misspelt one", async () => {
    const fixture = variant("orders", (resources) => {
      const statements = statementsOf(resources, "GetOrderIamRoleLambdaExecution");
      statements.push({ Effect: "Allow", Action: "*", Resource: "*" });
      statements.push({
        Effect: "Allow",
        Action: ["dynamodb:*", "dynamodb:GetItems"],
        Resource: { "Fn::GetAtt": ["OrdersTable", "Arn"] },
      });
    });
    const found = await details(fixture);
    expect(found).toEqual([
      expect.stringMatching(/^orders GetOrderIamRoleLambdaExecution .*: WILDCARD_ACTION \(statement \d+ grants \*: /),
      expect.stringMatching(/: WILDCARD_ACTION \(statement \d+ grants dynamodb:\*: /),
      expect.stringMatching(/: UNKNOWN_ACTION \(statement \d+ grants dynamodb:GetItems, which AWS does not have/),
    ]);
  });

  it("fails on Resource * where the action can name its resources, and on a wildcard-only action scoped", async () => {
    const fixture = variant("orders", (resources) => {
      const statements = statementsOf(resources, "RouteReplyIamRoleLambdaExecution");
      const resume = statements.find((statement) => JSON.stringify(statement.Action).includes("SendTaskSuccess"));
      if (!resume) throw new Error("no SendTaskSuccess grant");
      resume.Resource = { Ref: "CreateOrderStateMachine" }; // AWS authorizes task tokens on "*" only
      statements.push({ Effect: "Allow", Action: "dynamodb:PutItem", Resource: "*" });
    });
    expect(await findings(fixture)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^WILDCARD_ONLY_ACTION_SCOPED RouteReplyIamRoleLambdaExecution/),
        expect.stringMatching(/^WILDCARD_RESOURCE RouteReplyIamRoleLambdaExecution/),
      ]),
    );
    expect(await findings(fixture)).toHaveLength(3); // SendTaskSuccess and SendTaskFailure, PutItem
  });

  it("fails on a grant on a resource of another kind, and on NotAction or a too-wide NotResource", async () => {
    const fixture = variant("payments", (resources) => {
      const statements = statementsOf(resources, "VoidPaymentIamRoleLambdaExecution");
      statements.push({
        Effect: "Allow",
        Action: "dynamodb:GetItem",
        Resource: "arn:aws:sqs:us-east-1:123456789012:q",
      });
      statements.push({ Effect: "Allow", NotAction: "iam:*", Resource: "*" });
      statements.push({ Effect: "Allow", Action: "sqs:SendMessage", NotResource: "arn:aws:sqs:*:*:other" });
    });
    expect(await findings(fixture)).toEqual([
      "RESOURCE_TYPE_MISMATCH VoidPaymentIamRoleLambdaExecution keel-payments-dev-lambda",
      "ALLOW_NOT_ACTION VoidPaymentIamRoleLambdaExecution keel-payments-dev-lambda",
      "ALLOW_NOT_RESOURCE VoidPaymentIamRoleLambdaExecution keel-payments-dev-lambda",
    ]);
  });

  it("fails on functions sharing a role, a managed policy, and a Sid used twice", async () => {
    const fixture = variant("inventory", (resources) => {
      const commit = resources.CommitReservationLambdaFunction?.Properties as { Role: unknown };
      commit.Role = { "Fn::GetAtt": ["ScheduleShippingIamRoleLambdaExecution", "Arn"] };
      const role = resources.ScheduleShippingIamRoleLambdaExecution?.Properties as { ManagedPolicyArns: string[] };
      role.ManagedPolicyArns = ["arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess"];
      for (const statement of statementsOf(resources, "ReserveInventoryIamRoleLambdaExecution")) statement.Sid = "Same";
    });
    expect(await findings(fixture)).toEqual([
      "DUPLICATE_SID ReserveInventoryIamRoleLambdaExecution keel-inventory-dev-lambda",
      "SHARED_FUNCTION_ROLE ScheduleShippingIamRoleLambdaExecution",
      "MANAGED_POLICY ScheduleShippingIamRoleLambdaExecution",
    ]);
  });

  it("fails on a rule target with no DLQ or no retry policy, and on a DLQ that refuses the rule", async () => {
    const ruleOf = (resources: Resources, fn: string) => {
      const entry = Object.entries(resources).find(
        ([, resource]) =>
          resource.Type === "AWS::Events::Rule" &&
          JSON.stringify((resource.Properties as { Targets: unknown }).Targets).includes(`"${fn}"`),
      );
      if (!entry) throw new Error(`no rule targets ${fn}`);
      return (entry[1].Properties as { Targets: Array<Record<string, unknown>> }).Targets;
    };
    const noDlq = variant("payments", (resources) => {
      const [target] = ruleOf(resources, "VoidPaymentLambdaFunction");
      delete target?.DeadLetterConfig;
      delete target?.RetryPolicy;
    });
    expect(await findings(noDlq)).toEqual([
      expect.stringMatching(/^TARGET_WITHOUT_RETRY_POLICY \S+ target /),
      expect.stringMatching(/^TARGET_WITHOUT_DLQ \S+ target /),
    ]);
    // The platform's queue policy admits rules of the two buses and the platform's own.
    const refused = variant("platform", (resources) => {
      const policy = resources.DeadLetterQueuePolicy?.Properties as {
        PolicyDocument: { Statement: Array<{ Condition: { ArnLike: Record<string, unknown[]> } }> };
      };
      const condition = policy.PolicyDocument.Statement[0]?.Condition.ArnLike as Record<string, unknown[]>;
      condition["aws:SourceArn"] = (condition["aws:SourceArn"] ?? []).slice(0, 1); // the command bus only
    });
    const dropped = await details(refused);
    expect(dropped.length).toBeGreaterThan(5);
    expect(dropped.every((line) => line.includes("DLQ_REFUSES_RULE"))).toBe(true);
    expect(dropped.some((line) => line.startsWith("orders ") && line.includes("rule/keel-dev-events/"))).toBe(true);
  });

  it("fails on a function invoked asynchronously that drops what keeps failing", async () => {
    const fixture = variant("notifications", (resources) => {
      for (const resource of Object.values(resources)) {
        if (
          resource.Type === "AWS::Lambda::EventInvokeConfig" &&
          JSON.stringify(resource).includes("NotifyOrderCreated")
        ) {
          const destinations = (resource.Properties as { DestinationConfig: Record<string, unknown> })
            .DestinationConfig;
          delete destinations.OnFailure;
        }
      }
    });
    expect(await findings(fixture)).toEqual(["ASYNC_FAILURES_DROPPED NotifyOrderCreatedLambdaFunction"]);
  });
});
