import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { GetQueueUrlCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { ConfigError, startLocal } from "../src";
import { clientConfig, copyFixtures, eventually } from "./helpers";

const start = (dir: string) =>
  startLocal({
    inMemory: true,
    ports: { http: 0, aws: 0, dynamodb: 0 },
    functionLogs: "silent",
    services: [{ name: "alpha", dir }],
  });

async function edit(file: string, change: (text: string) => string) {
  await writeFile(file, change(await readFile(file, "utf8")));
}

describe("configuration comes from serverless.yml alone", () => {
  it("routes a rule that was just added to a serverless.yml, with no other change", async () => {
    const copy = await copyFixtures("alpha");
    try {
      await edit(join(copy.dir("alpha"), "serverless.yml"), (text) =>
        text.replace(
          "    RecordsTable:\n      Type: AWS::DynamoDB::Table",
          [
            "    AddedRule:",
            "      Type: AWS::Events::Rule",
            "      Properties:",
            "        Name: fixture-alpha-added",
            "        EventBusName: !Ref FixtureBus",
            "        EventPattern:",
            "          source: [fixture.alpha]",
            "          detail-type: [Added]",
            '          detail: { size: [{ numeric: [">", 10] }] }',
            "        Targets:",
            "          - { Id: approvals, Arn: !GetAtt Approvals.Arn }",
            "    RecordsTable:",
            "      Type: AWS::DynamoDB::Table",
          ].join("\n"),
        ),
      );
      const runtime = await start(copy.dir("alpha"));
      try {
        expect(runtime.eventBridge.rules.map((rule) => rule.name)).toContain("fixture-alpha-added");
        runtime.eventBridge.putEvents([
          {
            EventBusName: "fixture-local-bus",
            Source: "fixture.alpha",
            DetailType: "Added",
            Detail: JSON.stringify({ size: 5 }),
          },
          {
            EventBusName: "fixture-local-bus",
            Source: "fixture.alpha",
            DetailType: "Added",
            Detail: JSON.stringify({ size: 50 }),
          },
        ]);
        const sqs = new SQSClient(clientConfig(runtime, runtime.endpoints.sqs));
        const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: "fixture-local-approvals" }));
        const messages = await eventually(
          async () => (await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10 }))).Messages,
        );
        sqs.destroy();
        expect(messages.map((message) => JSON.parse(message.Body ?? "{}").detail)).toEqual([{ size: 50 }]);
      } finally {
        await runtime.stop();
      }
    } finally {
      await copy.remove();
    }
  }, 120_000);

  it("refuses to start with an invalid event pattern, naming the rule and AWS's reason", async () => {
    const copy = await copyFixtures("alpha");
    try {
      await edit(join(copy.dir("alpha"), "serverless.yml"), (text) =>
        text.replace(
          "            detail-type: [Flaky]",
          '            detail-type: [Flaky]\n            detail: { n: [{ numeric: [">", "ten"] }] }',
        ),
      );
      const failure = await start(copy.dir("alpha")).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(ConfigError);
      expect((failure as ConfigError).problems).toEqual([
        "rule fixture-alpha-local-flaky-rule-1 (alpha, Fixturealphalocalflakyrule1EventBridgeRule): Event pattern is not valid. Reason: Value of > must be numeric",
      ]);
    } finally {
      await copy.remove();
    }
  }, 120_000);

  it("refuses to start a state machine that invokes a function that does not exist, naming it", async () => {
    const copy = await copyFixtures("alpha");
    try {
      await edit(join(copy.dir("alpha"), "serverless.yml"), (text) =>
        text.replace(
          "FunctionName: !GetAtt double.Arn",
          "FunctionName: arn:aws:lambda:us-east-1:000000000000:function:fixture-alpha-local-triple",
        ),
      );
      const failure = await start(copy.dir("alpha")).catch((error: unknown) => error);
      expect((failure as ConfigError).problems).toEqual([
        "state machine fixture-local-callback (alpha): function arn:aws:lambda:us-east-1:000000000000:function:fixture-alpha-local-triple does not exist",
      ]);
    } finally {
      await copy.remove();
    }
  }, 120_000);

  it("refuses a JSONata state machine loudly (the executor would silently ignore JSONata)", async () => {
    const copy = await copyFixtures("alpha");
    try {
      await edit(join(copy.dir("alpha"), "serverless.yml"), (text) =>
        text.replace(
          "resources:",
          [
            "    jsonata:",
            "      id: JsonataMachine",
            // biome-ignore lint/suspicious/noTemplateCurlyInString: a serverless.yml variable, not a template
            "      name: fixture-${sls:stage}-jsonata",
            "      definition:",
            "        QueryLanguage: JSONata",
            "        StartAt: Done",
            "        States:",
            "          Done:",
            "            Type: Pass",
            '            Output: "{% $states.input %}"',
            "            End: true",
            "",
            "resources:",
          ].join("\n"),
        ),
      );
      const failure = await start(copy.dir("alpha")).catch((error: unknown) => error);
      expect(String(failure)).toContain(
        "state machine fixture-local-jsonata (alpha): QueryLanguage JSONata is not supported locally",
      );
    } finally {
      await copy.remove();
    }
  }, 120_000);
});
