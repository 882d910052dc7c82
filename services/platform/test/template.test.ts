import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CloudFormationTemplate, packageService, resourcesOfType } from "@keel/serverless";

let outRoot: string;
let template: CloudFormationTemplate;

beforeAll(async () => {
  outRoot = await mkdtemp(join(tmpdir(), "keel-platform-"));
  ({ template } = await packageService("platform", { stage: "test", outDir: join(outRoot, "test") }));
}, 120_000);
afterAll(() => rm(outRoot, { recursive: true, force: true }));

const properties = (logicalId: string) => template.Resources[logicalId]?.Properties ?? {};

describe("the platform template", () => {
  it("declares the command bus and the domain event bus with per-stage names", () => {
    const buses = resourcesOfType(template, "AWS::Events::EventBus");
    expect(Object.keys(buses).sort()).toEqual(["CommandBus", "EventBus"]);
    expect(properties("CommandBus").Name).toBe("keel-test-commands");
    expect(properties("EventBus").Name).toBe("keel-test-events");
  });

  it("archives each bus", () => {
    const archives = Object.values(resourcesOfType(template, "AWS::Events::Archive"));
    const sources = archives.map((archive) => archive.Properties?.SourceArn);
    expect(sources).toEqual(
      expect.arrayContaining([{ "Fn::GetAtt": ["CommandBus", "Arn"] }, { "Fn::GetAtt": ["EventBus", "Arn"] }]),
    );
    for (const archive of archives) expect(archive.Properties?.RetentionDays).toBeGreaterThan(0);
  });

  it("keeps an encrypted audit table keyed by correlation id, in time order", () => {
    const audit = properties("AuditTable");
    expect(audit.KeySchema).toEqual([
      { AttributeName: "correlationId", KeyType: "HASH" },
      { AttributeName: "recordKey", KeyType: "RANGE" },
    ]);
    expect(audit.SSESpecification).toEqual({ SSEEnabled: true });
    expect(audit.BillingMode).toBe("PAY_PER_REQUEST");
  });

  it("keeps a readable message archive, encrypted with its own rotating key, expiring with the archives", () => {
    const archive = properties("MessageArchiveTable");
    expect(archive.TableName).toBe("keel-test-message-archive");
    expect(archive.KeySchema).toEqual([
      { AttributeName: "partition", KeyType: "HASH" },
      { AttributeName: "position", KeyType: "RANGE" },
    ]);
    expect(archive.SSESpecification).toEqual({
      SSEEnabled: true,
      SSEType: "KMS",
      KMSMasterKeyId: { "Fn::GetAtt": ["MessageArchiveKey", "Arn"] },
    });
    expect(archive.TimeToLiveSpecification).toEqual({ AttributeName: "expiresAt", Enabled: true });
    expect(properties("MessageArchiveKey").EnableKeyRotation).toBe(true);
    const writer = Object.values(resourcesOfType(template, "AWS::Lambda::Function")).find(
      (fn) => fn.Properties?.FunctionName === "keel-platform-test-auditMessage",
    );
    expect(writer?.Properties?.Environment).toMatchObject({
      Variables: {
        MESSAGE_ARCHIVE_TABLE: { Ref: "MessageArchiveTable" },
        MESSAGE_RETENTION_DAYS: "90",
        COMMAND_BUS_NAME: "keel-test-commands",
        EVENT_BUS_NAME: "keel-test-events",
      },
    });
  });

  it("has an encrypted dead-letter queue that EventBridge rules may write to, with an alarm", () => {
    expect(properties("DeadLetterQueue")).toMatchObject({
      SqsManagedSseEnabled: true,
      QueueName: "keel-test-dead-letters",
    });
    const policy = properties("DeadLetterQueuePolicy").PolicyDocument as {
      Statement: Array<{ Principal: unknown; Action: string }>;
    };
    expect(policy.Statement[0]).toMatchObject({
      Principal: { Service: "events.amazonaws.com" },
      Action: "sqs:SendMessage",
    });
    const alarm = properties("DeadLetterAlarm");
    expect(alarm).toMatchObject({ Namespace: "AWS/SQS", MetricName: "ApproximateNumberOfMessagesVisible" });
    expect(alarm.Dimensions).toEqual([
      { Name: "QueueName", Value: { "Fn::GetAtt": ["DeadLetterQueue", "QueueName"] } },
    ]);
    expect(alarm.AlarmActions).toEqual([{ Ref: "AlarmTopic" }]);
  });

  it("outputs every name and ARN the domain services need", () => {
    expect(Object.keys(template.Outputs ?? {})).toEqual(
      expect.arrayContaining([
        "CommandBusName",
        "CommandBusArn",
        "EventBusName",
        "EventBusArn",
        "CommandArchiveArn",
        "EventArchiveArn",
        "AuditTableName",
        "AuditTableArn",
        "DeadLetterQueueArn",
        "DeadLetterQueueUrl",
        "AlarmTopicArn",
      ]),
    );
  });
});
