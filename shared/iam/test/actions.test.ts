// biome-ignore-all lint/suspicious/noTemplateCurlyInString: AWS ARN templates spell their placeholders as ${Name}
import { arnFitsTemplate, describeAction, expandAction, patternsOverlap } from "../src";

describe("the service authorization reference", () => {
  it("describes an action with its resource types", async () => {
    const putItem = await describeAction("dynamodb:putitem");
    expect(putItem).toMatchObject({ action: "dynamodb:PutItem", wildcardOnly: false });
    expect(putItem?.resourceTypes.map((type) => type.name)).toEqual(["table"]);
    expect(putItem?.resourceTypes[0]?.arn).toBe("arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}");
    const putEvents = await describeAction("events:PutEvents");
    expect(putEvents?.conditionKeys).toEqual(expect.arrayContaining(["events:source", "events:detail-type"]));
  });

  it("knows which actions admit only Resource *", async () => {
    expect((await describeAction("states:SendTaskSuccess"))?.wildcardOnly).toBe(true);
    expect((await describeAction("xray:PutTraceSegments"))?.wildcardOnly).toBe(true);
    expect((await describeAction("states:StartExecution"))?.wildcardOnly).toBe(false);
  });

  it("has no entry for a misspelt action, an unknown service or a pattern", async () => {
    expect(await describeAction("dynamodb:PutItems")).toBeUndefined();
    expect(await describeAction("dynamodbx:PutItem")).toBeUndefined();
    expect(await describeAction("dynamodb:Put*")).toBeUndefined();
    expect(await describeAction("PutItem")).toBeUndefined();
  });

  it("expands an action pattern to the actions it grants", async () => {
    const puts = await expandAction("sqs:*Message");
    expect(puts).toEqual(expect.arrayContaining(["sqs:SendMessage", "sqs:DeleteMessage", "sqs:ReceiveMessage"]));
    expect(puts.every((action) => action.toLowerCase().endsWith("message"))).toBe(true);
    expect(await expandAction("nosuchservice:*")).toEqual([]);
  });

  it("tells whether an ARN can name a resource of a type", () => {
    const table = "arn:${Partition}:dynamodb:${Region}:${Account}:table/${TableName}";
    const stateMachine = "arn:${Partition}:states:${Region}:${Account}:stateMachine:${StateMachineName}";
    expect(arnFitsTemplate("arn:aws:dynamodb:us-east-1:123456789012:table/keel-dev-orders", table)).toBe(true);
    expect(arnFitsTemplate("arn:aws:dynamodb:*:*:table/keel-*", table)).toBe(true);
    expect(arnFitsTemplate("arn:aws:states:us-east-1:123456789012:stateMachine:keel-dev-create-order", table)).toBe(
      false,
    );
    expect(
      arnFitsTemplate("arn:aws:states:us-east-1:123456789012:stateMachine:keel-dev-create-order", stateMachine),
    ).toBe(true);
    // A pattern's wildcards may stand for the template's fixed parts: log streams of a group.
    const logStream =
      "arn:${Partition}:logs:${Region}:${Account}:log-group:${LogGroupName}:log-stream:${LogStreamName}";
    expect(arnFitsTemplate("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f:*:*", logStream)).toBe(true);
    expect(arnFitsTemplate("arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/f", logStream)).toBe(false);
  });

  it("tells whether two wildcard patterns can match a common string", () => {
    expect(patternsOverlap("a*c", "ab?")).toBe(true);
    expect(patternsOverlap("a*c", "ab?d")).toBe(false);
    expect(patternsOverlap("*", "")).toBe(true);
    expect(patternsOverlap("a?", "a")).toBe(false);
    expect(patternsOverlap("x*y*z", "*q*")).toBe(true);
  });
});
