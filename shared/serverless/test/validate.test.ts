// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub and Serverless variables, not JavaScript templates
/**
 * The validator over the real project's packaged templates: the project passes, and each check
 * fails on a deliberately broken copy of a real template, with the exact report.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listServices } from "../src";
import {
  formatProblem,
  isFresh,
  type Problem,
  packageInMirror,
  readPackaged,
  type ServiceTemplate,
  specLoadMs,
  type Template,
  validateServices,
  validateTemplate,
} from "../src/validate";

const STAGE = "dev";
/**
 * Problems the real templates have today, to be fixed in the services: the suite stays green
 * meanwhile, and fails as soon as one is fixed or a new one appears.
 */
const KNOWN_PROBLEMS: string[] = [];

let outRoot: string;
let packaged: ServiceTemplate[];

beforeAll(async () => {
  outRoot = await mkdtemp(join(tmpdir(), "keel-validate-"));
  packaged = await Promise.all(
    listServices().map(async (service) => {
      const result = await packageInMirror(service, {
        stage: STAGE,
        root: join(outRoot, "mirror"),
        outDir: join(outRoot, service),
        timeoutMs: 90_000,
      });
      return { service, template: result.template as unknown as Template, resolved: result.resolved };
    }),
  );
}, 120_000);
afterAll(() => rm(outRoot, { recursive: true, force: true }));

/** A deep copy of a real template, to break. */
function copyOf(service: string): Template {
  const found = packaged.find((entry) => entry.service === service);
  if (!found) throw new Error(`${service} was not packaged`);
  return structuredClone(found.template);
}

type Resource = { Type: string; Properties: Record<string, unknown>; [attribute: string]: unknown };

/** The logical id and resource of the first resource of a type that matches. */
function find(
  template: Template,
  type: string,
  matches: (resource: Resource) => boolean = () => true,
): [string, Resource] {
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {}) as [string, Resource][]) {
    if (resource.Type === type && matches(resource)) return [logicalId, resource];
  }
  throw new Error(`no ${type} found`);
}

const ruleFor = (detailType: string) => (resource: Resource) =>
  JSON.stringify((resource.Properties.EventPattern as Record<string, unknown>)?.["detail-type"] ?? []).includes(
    `"${detailType}"`,
  );

/** The problems of one broken template, with the project's known ones left out. */
function problemsOf(service: string, template: Template): Problem[] {
  return validateTemplate(service, template).filter((problem) => !KNOWN_PROBLEMS.includes(formatProblem(problem)));
}

/** The problems of the whole project with one service's template replaced. */
function projectProblemsWith(service: string, template: Template): Problem[] {
  const services = packaged.map((entry) => (entry.service === service ? { ...entry, template } : entry));
  return validateServices(services).filter((problem) => !KNOWN_PROBLEMS.includes(formatProblem(problem)));
}

const problem = (fields: Omit<Problem, "source"> & { source?: Problem["source"] }): Problem => ({
  source: "template",
  ...fields,
});

describe("the real project", () => {
  it("packages every service, and every template and the wiring between them passes", () => {
    expect(packaged.map((entry) => entry.service)).toEqual(listServices());
    expect(validateServices(packaged).map(formatProblem)).toEqual(KNOWN_PROBLEMS);
  });

  it("loads AWS's resource specification once, in well under the time packaging takes", () => {
    const loadMs = specLoadMs();
    expect(loadMs).toBeDefined();
    expect(loadMs).toBeLessThan(5_000);
  });

  it("reuses a packaged output only for its stage", () => {
    const outDir = join(outRoot, "orders");
    expect(isFresh("orders", outDir, STAGE)).toBe(true);
    expect(isFresh("orders", outDir, "prod")).toBe(false);
    expect(readPackaged("orders", outDir).template).toEqual(copyOf("orders"));
  });
});

describe("resources against AWS's specification", () => {
  it("reports an unknown property, with the closest known one", () => {
    const template = copyOf("orders");
    const [logicalId, fn] = find(template, "AWS::Lambda::Function");
    fn.Properties.Timout = 10;
    const problems = problemsOf("orders", template);
    expect(problems).toEqual([
      problem({
        service: "orders",
        check: "resource-spec",
        logicalId,
        path: "Properties.Timout",
        message: "unknown property of AWS::Lambda::Function",
        expected: expect.stringMatching(/^one of Architectures, .*Timeout.*; closest match Timeout$/),
      }),
    ]);
    expect(formatProblem(problems[0] as Problem)).toMatch(
      new RegExp(
        `^orders/template: ${logicalId}\\.Properties\\.Timout: unknown property of AWS::Lambda::Function \\(expected: one of .*; closest match Timeout\\)$`,
      ),
    );
  });

  it("reports values of the wrong type: a word for an integer, a string for a list, a list for a string", () => {
    const template = copyOf("orders");
    const [logicalId, fn] = find(template, "AWS::Lambda::Function");
    fn.Properties.Timeout = "ten";
    fn.Properties.Layers = "arn:aws:lambda:us-east-1:123456789012:layer:x:1";
    fn.Properties.Handler = ["index.handler"];
    // In the order of the function's properties.
    expect(problemsOf("orders", template)).toEqual([
      problem({
        service: "orders",
        check: "resource-spec",
        logicalId,
        path: "Properties.Handler",
        message: "wrong type: a list",
        expected: "a string",
      }),
      problem({
        service: "orders",
        check: "resource-spec",
        logicalId,
        path: "Properties.Timeout",
        message: 'wrong type: "ten"',
        expected: "an integer",
      }),
      problem({
        service: "orders",
        check: "resource-spec",
        logicalId,
        path: "Properties.Layers",
        message: 'wrong type: "arn:aws:lambda:us-east-1:123456789012:layer:x:1"',
        expected: "a list of string",
      }),
    ]);
  });

  it("accepts what CloudFormation converts (a numeric string for an integer), and rejects an intrinsic of the wrong shape", () => {
    const template = copyOf("orders");
    const [logicalId, fn] = find(template, "AWS::Lambda::Function");
    fn.Properties.Timeout = "10";
    fn.Properties.Layers = { "Fn::Join": [",", ["a", "b"]] };
    fn.Properties.Description = { "Fn::Split": [",", "a,b"] };
    expect(problemsOf("orders", template)).toEqual([
      problem({
        service: "orders",
        check: "resource-spec",
        logicalId,
        path: "Properties.Layers",
        message: "Fn::Join yields a string",
        expected: "a list of string",
      }),
      problem({
        service: "orders",
        check: "resource-spec",
        logicalId,
        path: "Properties.Description",
        message: "Fn::Split yields a list",
        expected: "a string",
      }),
    ]);
  });

  it("reports a missing required property, at the top and in a nested property type", () => {
    const template = copyOf("orders");
    const [functionId, fn] = find(template, "AWS::Lambda::Function");
    delete fn.Properties.Role;
    const [tableId, table] = find(template, "AWS::DynamoDB::Table");
    delete (table.Properties.KeySchema as Record<string, unknown>[])[0]?.KeyType;
    expect(problemsOf("orders", template)).toEqual([
      problem({
        service: "orders",
        check: "resource-spec",
        logicalId: functionId,
        path: "Properties.Role",
        message: "missing required property of AWS::Lambda::Function",
        expected: "a string",
      }),
      problem({
        service: "orders",
        check: "resource-spec",
        logicalId: tableId,
        path: "Properties.KeySchema[0].KeyType",
        message: "missing required property of KeySchema (a property type)",
        expected: "a string",
      }),
    ]);
  });

  it("reports values outside an enumeration: the schema's, and the one AWS documents", () => {
    const template = copyOf("orders");
    const [ruleId, rule] = find(template, "AWS::Events::Rule");
    rule.Properties.State = "ON";
    const [tableId, table] = find(template, "AWS::DynamoDB::Table");
    table.Properties.BillingMode = "ON_DEMAND";
    expect(problemsOf("orders", template)).toEqual([
      problem({
        service: "orders",
        check: "resource-spec",
        logicalId: ruleId,
        path: "Properties.State",
        message: 'invalid value "ON"',
        expected: "one of DISABLED, ENABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS",
      }),
      problem({
        service: "orders",
        check: "resource-spec",
        logicalId: tableId,
        path: "Properties.BillingMode",
        message: 'invalid value "ON_DEMAND"',
        expected: "one of PAY_PER_REQUEST, PROVISIONED (the values AWS documents for it)",
      }),
    ]);
  });

  it("reports an unknown resource type, and a name longer than AWS allows", () => {
    const template = copyOf("orders");
    const [tableId, table] = find(template, "AWS::DynamoDB::Table");
    table.Type = "AWS::DynamoDB::Tabel";
    const [functionId, fn] = find(template, "AWS::Lambda::Function");
    fn.Properties.FunctionName = `keel-orders-${"x".repeat(60)}`;
    expect(problemsOf("orders", template)).toEqual([
      problem({
        service: "orders",
        check: "resource-spec",
        logicalId: tableId,
        path: "Type",
        message: "unknown resource type AWS::DynamoDB::Tabel",
        expected: "closest match AWS::DynamoDB::Table",
      }),
      problem({
        service: "orders",
        check: "resource-spec",
        logicalId: functionId,
        path: "Properties.FunctionName",
        message: `"keel-orders-${"x".repeat(60)}" is 72 characters long`,
        expected: "1 to 64 characters",
      }),
    ]);
  });
});

describe("intrinsic functions and references", () => {
  it("reports a dangling Ref, GetAtt, Fn::Sub variable and DependsOn, and an attribute the type lacks", () => {
    const template = copyOf("orders");
    const [functionId, fn] = find(template, "AWS::Lambda::Function");
    const environment = fn.Properties.Environment as { Variables: Record<string, unknown> };
    environment.Variables.ORDERS_TABLE = { Ref: "OrderTable" };
    const [ruleId, rule] = find(template, "AWS::Events::Rule");
    const target = (rule.Properties.Targets as Record<string, unknown>[])[0] as Record<string, unknown>;
    const [targetFunction] = (target.Arn as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"];
    target.Arn = { "Fn::GetAtt": [targetFunction, "FunctionArn"] };
    rule.Properties.Description = { "Fn::Sub": "rule of ${OrdersTabel} in ${AWS::Region} ${!Literal}" };
    rule.DependsOn = "MissingResource";
    expect(problemsOf("orders", template)).toEqual([
      problem({
        service: "orders",
        check: "references",
        logicalId: functionId,
        path: "Properties.Environment.Variables.ORDERS_TABLE.Ref",
        message: "Ref: OrderTable is not a resource, parameter or pseudo parameter of the template",
        expected: expect.stringContaining("closest match OrdersTable"),
      }),
      problem({
        service: "orders",
        check: "references",
        logicalId: ruleId,
        path: "Properties.Targets[0].Arn.Fn::GetAtt",
        message: `Fn::GetAtt ${targetFunction}.FunctionArn: AWS::Lambda::Function has no attribute FunctionArn`,
        expected: "one of Arn, SnapStartResponse, SnapStartResponse.ApplyOn, SnapStartResponse.OptimizationStatus",
      }),
      problem({
        service: "orders",
        check: "references",
        logicalId: ruleId,
        path: "Properties.Description.Fn::Sub",
        message:
          "Fn::Sub variable ${OrdersTabel}: OrdersTabel is not a resource, parameter or pseudo parameter of the template",
        expected: expect.stringContaining("closest match OrdersTable"),
      }),
      problem({
        service: "orders",
        check: "references",
        logicalId: ruleId,
        path: "DependsOn",
        message: "DependsOn: MissingResource is not a resource of the template",
        expected: expect.stringMatching(/^one of \d+ names$/),
      }),
    ]);
  });

  it("reports a pseudo parameter or a Serverless variable left in a plain string", () => {
    const template = copyOf("platform");
    const [queueId, queue] = find(template, "AWS::SQS::Queue");
    queue.Properties.QueueName = "keel-${AWS::Region}-dead-letters";
    const [topicId, topic] = find(template, "AWS::SNS::Topic");
    topic.Properties.TopicName = "keel-${sls:stage}-alarms";
    expect(problemsOf("platform", template)).toEqual([
      problem({
        service: "platform",
        check: "resource-spec",
        logicalId: queueId,
        path: "Properties.QueueName",
        message: '"keel-${AWS::Region}-dead-letters" has characters AWS rejects',
        expected: "letters, digits, - _ (and .fifo)",
      }),
      problem({
        service: "platform",
        check: "resource-spec",
        logicalId: topicId,
        path: "Properties.TopicName",
        message: '"keel-${sls:stage}-alarms" has characters AWS rejects',
        expected: "letters, digits, - _ (and .fifo)",
      }),
      problem({
        service: "platform",
        check: "references",
        logicalId: queueId,
        path: "Properties.QueueName",
        message: '"keel-${AWS::Region}-dead-letters" is not inside Fn::Sub, so CloudFormation keeps it literally',
        expected: "the text inside an Fn::Sub",
      }),
      problem({
        service: "platform",
        check: "references",
        logicalId: topicId,
        path: "Properties.TopicName",
        message: 'unresolved Serverless variable in "keel-${sls:stage}-alarms"',
        expected: "a value the framework resolves",
      }),
    ]);
  });

  it("reports an unknown resource attribute and an output without a Value", () => {
    const template = copyOf("payments");
    const [tableId, table] = find(template, "AWS::DynamoDB::Table");
    table.Propertes = table.Properties;
    const [outputName] = Object.keys(template.Outputs ?? {});
    (template.Outputs as Record<string, Record<string, unknown>>)[outputName as string] = { Description: "no value" };
    expect(problemsOf("payments", template)).toEqual([
      problem({
        service: "payments",
        check: "template",
        logicalId: tableId,
        path: "Propertes",
        message: "unknown resource attribute",
        expected: expect.stringContaining("closest match Properties"),
      }),
      problem({
        service: "payments",
        check: "template",
        logicalId: `Outputs.${outputName}`,
        path: "Value",
        message: "missing required Value",
      }),
    ]);
  });
});

describe("state machines", () => {
  const breakDefinition = (template: Template, change: (text: string) => string): string => {
    const [logicalId, machine] = find(template, "AWS::StepFunctions::StateMachine");
    const definition = machine.Properties.DefinitionString as { "Fn::Sub": [string, Record<string, unknown>] };
    definition["Fn::Sub"][0] = change(definition["Fn::Sub"][0]);
    return logicalId;
  };

  it("reports invalid ASL: a Next to a state that does not exist", () => {
    const template = copyOf("orders");
    const logicalId = breakDefinition(template, (text) =>
      text.replace('"Next": "FraudDecision"', '"Next": "FraudDecisions"'),
    );
    expect(problemsOf("orders", template)).toEqual([
      problem({
        service: "orders",
        check: "state-machine",
        logicalId,
        path: "Properties.DefinitionString",
        message: "MISSING_TRANSITION_TARGET: State FraudDecision is not reachable",
        expected: "valid Amazon States Language",
      }),
      problem({
        service: "orders",
        check: "state-machine",
        logicalId,
        path: "Properties.DefinitionString",
        message: "MISSING_TRANSITION_TARGET: Missing 'StartAt'|'Next'|'Default' target: FraudDecisions",
        expected: "valid Amazon States Language",
      }),
    ]);
  });

  it("reports a schema violation where it is", () => {
    const template = copyOf("orders");
    const logicalId = breakDefinition(template, (text) => text.replace('"Type": "Choice"', '"Type": "Choise"'));
    expect(problemsOf("orders", template)).toEqual([
      problem({
        service: "orders",
        check: "state-machine",
        logicalId,
        path: "Properties.DefinitionString.States.FraudDecision.Type",
        message: expect.stringMatching(/^SCHEMA_VALIDATION_FAILED: \/States\/FraudDecision\/Type is invalid/),
        expected: "valid Amazon States Language",
      }),
    ]);
  });

  it("rejects JSONata and task resources the local runtime cannot execute", () => {
    const template = copyOf("orders");
    const logicalId = breakDefinition(template, (text) =>
      text
        .replace('"StartAt":', '"QueryLanguage": "JSONata", "StartAt":')
        .replace('"Resource": "arn:aws:states:::lambda:invoke"', '"Resource": "arn:aws:states:::dynamodb:putItem"'),
    );
    expect(problemsOf("orders", template).map((found) => [found.logicalId, found.check, found.message])).toEqual([
      [logicalId, "state-machine", "QueryLanguage JSONata is not supported locally (use JSONPath)"],
      [
        logicalId,
        "state-machine",
        expect.stringMatching(
          /^state FraudCheck: task resource arn:aws:states:::dynamodb:putItem is not supported locally/,
        ),
      ],
    ]);
  });
});

describe("event patterns", () => {
  it("reports an invalid pattern with AWS's reason", () => {
    const template = copyOf("orders");
    const [logicalId, rule] = find(template, "AWS::Events::Rule", ruleFor("CreateOrder"));
    (rule.Properties.EventPattern as Record<string, unknown>)["detail-type"] = "CreateOrder";
    expect(problemsOf("orders", template)).toEqual([
      problem({
        service: "orders",
        check: "event-pattern",
        logicalId,
        path: "Properties.EventPattern",
        message: 'Event pattern is not valid. Reason: "detail-type" must be an object or an array',
        expected: "an EventBridge event pattern",
      }),
    ]);
  });

  it("reports an invalid matcher inside the pattern", () => {
    const template = copyOf("platform");
    const [logicalId, rule] = find(template, "AWS::Events::Rule");
    (rule.Properties.EventPattern as Record<string, unknown>).source = [{ prefix: 7 }];
    expect(problemsOf("platform", template)).toEqual([
      problem({
        service: "platform",
        check: "event-pattern",
        logicalId,
        path: "Properties.EventPattern",
        message: "Event pattern is not valid. Reason: prefix match pattern must be a string",
        expected: "an EventBridge event pattern",
      }),
    ]);
  });
});

describe("wiring between the services", () => {
  it("reports a bus name a domain reads that the platform does not create", () => {
    const template = copyOf("payments");
    const [logicalId, fn] = find(template, "AWS::Lambda::Function");
    (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.EVENT_BUS_NAME =
      "keel-dev-commands";
    expect(projectProblemsWith("payments", template)).toEqual([
      problem({
        service: "payments",
        check: "wiring",
        logicalId,
        path: "Properties.Environment.Variables.EVENT_BUS_NAME",
        message: "keel-dev-commands is not the platform's event bus",
        expected: "keel-dev-events",
      }),
    ]);
  });

  it("reports every place a domain assumes a platform bus name the platform does not use", () => {
    const template = copyOf("platform");
    const [, bus] = find(
      template,
      "AWS::Events::EventBus",
      (resource) => resource.Properties.Name === "keel-dev-events",
    );
    bus.Properties.Name = "keel-dev-domain-events";
    const problems = projectProblemsWith("platform", template);
    expect(problems).toEqual(
      expect.arrayContaining([
        problem({
          service: "inventory",
          source: "compose",
          check: "wiring",
          logicalId: "services.inventory.params.eventBusName",
          path: "",
          message:
            "inventory resolves ${param:eventBusName} to keel-dev-events, but the platform's EventBusName is keel-dev-domain-events",
          expected: "keel-dev-domain-events, the same in both",
        }),
      ]),
    );
    expect(new Set(problems.map((found) => found.service))).toEqual(
      new Set(["inventory", "notifications", "orders", "payments"]),
    );
    expect(problems.every((found) => found.check === "wiring")).toBe(true);
  });

  it("reports a compose param that reads a platform output that does not exist", () => {
    const template = copyOf("platform");
    delete template.Outputs?.AlarmTopicArn;
    const problems = projectProblemsWith("platform", template);
    expect(problems.map(formatProblem)).toEqual(
      ["inventory", "notifications", "orders", "payments"].map((service) =>
        expect.stringMatching(
          new RegExp(
            `^${service}/compose: services\\.${service}\\.params\\.alarmTopicArn: the platform has no output AlarmTopicArn`,
          ),
        ),
      ),
    );
  });

  it("reports a rule for a message the registry does not have, and one whose source does not publish it", () => {
    const template = copyOf("notifications");
    const [logicalId, rule] = find(template, "AWS::Events::Rule", ruleFor("OrderCreated"));
    const pattern = rule.Properties.EventPattern as Record<string, unknown>;
    pattern["detail-type"] = ["OrderCreatd", "PaymentFailed"];
    expect(projectProblemsWith("notifications", template)).toEqual([
      problem({
        service: "notifications",
        check: "wiring",
        logicalId,
        path: "Properties.EventPattern.detail-type",
        message: "OrderCreatd is not a registry message",
        expected: "closest match OrderCreated",
      }),
      problem({
        service: "notifications",
        check: "wiring",
        logicalId,
        path: "Properties.EventPattern.source",
        message: "PaymentFailed is published with source com.example.payments.service, which the rule does not match",
        expected: "source to include com.example.payments.service",
      }),
    ]);
  });

  it("reports a command rule on the event bus", () => {
    const template = copyOf("payments");
    const [logicalId, rule] = find(template, "AWS::Events::Rule", ruleFor("AuthorizePayment"));
    rule.Properties.EventBusName = "keel-dev-events";
    expect(projectProblemsWith("payments", template)).toEqual([
      problem({
        service: "payments",
        check: "wiring",
        logicalId,
        path: "Properties.EventBusName",
        message: "AuthorizePayment is a command, which travels on keel-dev-commands, not keel-dev-events",
        expected: "keel-dev-commands",
      }),
    ]);
  });

  it("reports a workflow sending a command to the event bus", () => {
    const template = copyOf("orders");
    const [logicalId, machine] = find(template, "AWS::StepFunctions::StateMachine");
    const definition = machine.Properties.DefinitionString as { "Fn::Sub": [string, Record<string, unknown>] };
    definition["Fn::Sub"][0] = definition["Fn::Sub"][0].replace(
      '"EventBusName": "keel-dev-commands"',
      '"EventBusName": "keel-dev-events"',
    );
    expect(projectProblemsWith("orders", template)).toEqual([
      problem({
        service: "orders",
        check: "wiring",
        logicalId,
        path: "Properties.DefinitionString.States.AuthorizePayment.Parameters.Entries[0].EventBusName",
        message:
          "the entry sends a command (Detail.meta.messageType), which travels on keel-dev-commands, not keel-dev-events",
        expected: "keel-dev-commands",
      }),
    ]);
  });
});
