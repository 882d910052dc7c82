// biome-ignore-all lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub and Serverless variables, not JavaScript templates
/** The validator's rules on small hand-written templates: the cases the real project does not show. */
import { formatProblem, type Template, validateServices, validateTemplate } from "../src/validate";
import { evaluate } from "../src/validate/evaluate";

const lines = (template: Template, service = "unit") => validateTemplate(service, template).map(formatProblem);

const queue = { Type: "AWS::SQS::Queue", Properties: { QueueName: "keel-dev-queue" } };

describe("types of values", () => {
  it("checks both branches of Fn::If, accepts AWS::NoValue, and needs the condition", () => {
    expect(
      lines({
        Conditions: { IsProd: { "Fn::Equals": ["a", "b"] } },
        Resources: {
          Queue: {
            Type: "AWS::SQS::Queue",
            Properties: {
              DelaySeconds: { "Fn::If": ["IsProd", 5, "five"] },
              QueueName: { "Fn::If": ["IsStaging", "a", { Ref: "AWS::NoValue" }] },
            },
          },
        },
      }),
    ).toEqual([
      'unit/template: Queue.Properties.DelaySeconds.Fn::If[2]: wrong type: "five" (expected: an integer)',
      "unit/template: Queue.Properties.QueueName.Fn::If[0]: no condition named IsStaging (expected: one of IsProd)",
    ]);
  });

  it("accepts a list parameter where a list goes, and rejects a resource's Ref there", () => {
    expect(
      lines({
        Parameters: { Subnets: { Type: "List<AWS::EC2::Subnet::Id>" } },
        Resources: {
          Queue: queue,
          Fn: {
            Type: "AWS::Lambda::Function",
            Properties: {
              Code: { ZipFile: "exports.handler = async () => {}" },
              Role: "arn:aws:iam::123456789012:role/r",
              VpcConfig: { SubnetIds: { Ref: "Subnets" }, SecurityGroupIds: { Ref: "Queue" } },
            },
          },
        },
      }),
    ).toEqual([
      "unit/template: Fn.Properties.VpcConfig.SecurityGroupIds: Ref yields a string (expected: a list of string)",
    ]);
  });

  it("judges a union by its member of the value's kind (a list of key schemas, not any JSON)", () => {
    expect(
      lines({
        Resources: {
          Table: {
            Type: "AWS::DynamoDB::Table",
            Properties: {
              AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
              KeySchema: [{ AttributeName: "id", KeyTyp: "HASH" }],
              BillingMode: "PAY_PER_REQUEST",
              Tags: [{ Key: "team", Valu: "x" }],
            },
          },
        },
      }),
    ).toEqual([
      "unit/template: Table.Properties.KeySchema[0].KeyTyp: unknown property of KeySchema (a property type) (expected: one of AttributeName, KeyType; closest match KeyType)",
      "unit/template: Table.Properties.KeySchema[0].KeyType: missing required property of KeySchema (a property type) (expected: a string)",
      "unit/template: Table.Properties.Tags[0].Valu: unknown property of Tag (expected: one of Key, Value; closest match Value)",
      "unit/template: Table.Properties.Tags[0].Value: missing required property of Tag",
    ]);
  });

  it("needs only a ServiceToken of a custom resource, and accepts any attribute of it", () => {
    expect(
      lines({
        Resources: {
          Seed: { Type: "Custom::Seed", Properties: { Anything: [1, { deep: true }] } },
          Queue: { Type: "AWS::SQS::Queue", Properties: { QueueName: { "Fn::GetAtt": "Seed.Whatever" } } },
        },
      }),
    ).toEqual(["unit/template: Seed.Properties.ServiceToken: missing required property of a custom resource"]);
  });
});

describe("references", () => {
  it("resolves Fn::Sub variables against its own map, resources and attributes, and skips ${!Literal}", () => {
    expect(
      lines({
        Resources: {
          Queue: queue,
          Topic: {
            Type: "AWS::SNS::Topic",
            Properties: {
              DisplayName: {
                "Fn::Sub": [
                  "${Queue.Arn} ${Queue} ${Own} ${!NotAVariable} ${AWS::StackName} ${Queue.Nope}",
                  { Own: "x" },
                ],
              },
            },
          },
        },
        Outputs: { Missing: { Value: { Ref: "Nothing" } } },
      }),
    ).toEqual([
      "unit/template: Topic.Properties.DisplayName.Fn::Sub[0]: Fn::Sub variable ${Queue.Nope}: AWS::SQS::Queue has no attribute Nope (expected: one of Arn, QueueName, QueueUrl)",
      "unit/template: Outputs.Missing.Value.Ref: Ref: Nothing is not a resource, parameter or pseudo parameter of the template (expected: one of Queue, Topic)",
    ]);
  });

  it("reports malformed intrinsics and unknown sections", () => {
    expect(
      lines({
        Resource: {},
        Resources: {
          Queue: { Type: "AWS::SQS::Queue", Properties: { QueueName: { "Fn::Join": ["-"] } } },
        },
      }),
    ).toEqual([
      "unit/template: Resource: unknown template section (expected: one of AWSTemplateFormatVersion, Conditions, Description, Mappings, Metadata, Outputs, Parameters, Resources, Rules, Transform; closest match Resources)",
      "unit/template: Queue.Properties.QueueName.Fn::Join: malformed Fn::Join (expected: [delimiter, [values…]])",
    ]);
  });
});

describe("state machines and patterns", () => {
  it("reads a Definition object with DefinitionSubstitutions, and a pattern given as a string", () => {
    expect(
      lines({
        Resources: {
          Machine: {
            Type: "AWS::StepFunctions::StateMachine",
            Properties: {
              RoleArn: "arn:aws:iam::123456789012:role/r",
              Definition: {
                StartAt: "Send",
                States: {
                  Send: {
                    Type: "Task",
                    Resource: "${Target}",
                    End: true,
                    TimeoutSeconds: 1,
                    TimeoutSecondsPath: "$.t",
                  },
                },
              },
              DefinitionSubstitutions: { Target: "arn:aws:states:::sqs:sendMessage" },
            },
          },
          Rule: {
            Type: "AWS::Events::Rule",
            Properties: { EventPattern: '{"source":[{"prefix":1}]}' },
          },
        },
      }),
    ).toEqual([
      'unit/template: Machine.Properties.Definition: TASK_TIMEOUT: State "Send" MUST contain at most one of "TimeoutSeconds", "TimeoutSecondsPath" (expected: valid Amazon States Language)',
      "unit/template: Machine.Properties.Definition: state Send: task resource arn:aws:states:::sqs:sendMessage is not supported locally (supported: arn:aws:states:::lambda:invoke, arn:aws:states:::lambda:invoke.waitForTaskToken, arn:aws:states:::events:putEvents, arn:aws:states:::events:putEvents.waitForTaskToken and Lambda function ARNs) (expected: JSONPath, and task resources the local runtime executes)",
      "unit/template: Rule.Properties.EventPattern: Event pattern is not valid. Reason: prefix match pattern must be a string (expected: an EventBridge event pattern)",
    ]);
  });
});

describe("evaluating values across stacks", () => {
  const template: Template = {
    Resources: {
      Bus: { Type: "AWS::Events::EventBus", Properties: { Name: "keel-dev-events" } },
      Queue: queue,
      Topic: { Type: "AWS::SNS::Topic", Properties: { TopicName: "keel-dev-alarms" } },
    },
  };

  it("derives names and ARNs from properties and the type's ARN template", () => {
    expect(evaluate({ Ref: "Bus" }, template)).toBe("keel-dev-events");
    expect(evaluate({ "Fn::GetAtt": ["Bus", "Arn"] }, template)).toBe(
      "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:event-bus/keel-dev-events",
    );
    expect(evaluate({ Ref: "Topic" }, template)).toBe(
      "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:keel-dev-alarms",
    );
    expect(evaluate({ Ref: "Queue" }, template)).toBe(
      "https://sqs.${AWS::Region}.${AWS::URLSuffix}/${AWS::AccountId}/keel-dev-queue",
    );
    expect(evaluate({ "Fn::Sub": "${Bus}/${!Literal}" }, template)).toBe("keel-dev-events/${Literal}");
  });
});

describe("wiring", () => {
  const platform: Template = {
    Resources: {
      CommandBus: { Type: "AWS::Events::EventBus", Properties: { Name: "keel-dev-commands" } },
      EventBus: { Type: "AWS::Events::EventBus", Properties: { Name: "keel-dev-events" } },
      Statuses: {
        Type: "AWS::Events::Rule",
        Properties: {
          EventBusName: { Ref: "EventBus" },
          EventPattern: { source: ["aws.states"], "detail-type": ["Step Functions Execution Status Change"] },
        },
      },
      Results: {
        Type: "AWS::Events::Rule",
        Properties: {
          EventBusName: { Ref: "EventBus" },
          EventPattern: { source: ["lambda"], "detail-type": ["Lambda Function Invocation Result - Failure"] },
        },
      },
    },
  };

  it("knows AWS services' own events, and that AWS services put theirs on the default bus", () => {
    expect(
      validateServices([{ service: "platform", template: platform }], { services: {} }).map(formatProblem),
    ).toEqual([
      "platform/template: Statuses.Properties.EventBusName: AWS services put aws.states events on the default bus only, not keel-dev-events (expected: default)",
    ]);
  });
});
