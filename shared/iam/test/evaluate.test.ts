import { evaluate, type NamedPolicy, type PolicyStatement } from "../src";

const BUS = "arn:aws:events:us-east-1:123456789012:event-bus/keel-dev-events";
const TABLE = "arn:aws:dynamodb:us-east-1:123456789012:table/keel-dev-orders";

const policy = (...statements: PolicyStatement[]): NamedPolicy[] => [
  { name: "inline", document: { Version: "2012-10-17", Statement: statements } },
];

const decide = (statements: PolicyStatement[], action: string, resource: string, context = {}) =>
  evaluate({ action, resource, context }, policy(...statements)).decision;

describe("identity policy evaluation", () => {
  it("allows what a statement names and implicitly denies the rest", () => {
    const statements: PolicyStatement[] = [{ Effect: "Allow", Action: ["dynamodb:PutItem"], Resource: TABLE }];
    expect(decide(statements, "dynamodb:PutItem", TABLE)).toBe("Allow");
    expect(decide(statements, "dynamodb:DeleteItem", TABLE)).toBe("ImplicitDeny");
    expect(decide(statements, "dynamodb:PutItem", `${TABLE}-other`)).toBe("ImplicitDeny");
  });

  it("matches actions case-insensitively and resources case-sensitively, with * and ? wildcards", () => {
    const statements: PolicyStatement[] = [
      { Effect: "Allow", Action: "DynamoDB:get*", Resource: "arn:aws:dynamodb:*:*:table/keel-???-orders" },
    ];
    expect(decide(statements, "dynamodb:GetItem", TABLE)).toBe("Allow");
    expect(decide(statements, "dynamodb:GetItem", TABLE.replace("orders", "ORDERS"))).toBe("ImplicitDeny");
    expect(decide(statements, "dynamodb:GetItem", TABLE.replace("dev", "prod"))).toBe("ImplicitDeny");
  });

  it("lets an explicit deny win over any allow", () => {
    const statements: PolicyStatement[] = [
      { Effect: "Allow", Action: "dynamodb:*", Resource: "*" },
      { Effect: "Deny", Action: "dynamodb:DeleteItem", Resource: TABLE, Sid: "NoDeletes" },
    ];
    const evaluation = evaluate({ action: "dynamodb:DeleteItem", resource: TABLE }, policy(...statements));
    expect(evaluation).toEqual({
      decision: "ExplicitDeny",
      statement: { policy: "inline", index: 1, sid: "NoDeletes" },
    });
    expect(decide(statements, "dynamodb:GetItem", TABLE)).toBe("Allow");
  });

  it("reads NotAction and NotResource as everything but", () => {
    const statements: PolicyStatement[] = [
      { Effect: "Allow", NotAction: "dynamodb:DeleteItem", NotResource: `${TABLE}/index/*` },
    ];
    expect(decide(statements, "dynamodb:PutItem", TABLE)).toBe("Allow");
    expect(decide(statements, "dynamodb:DeleteItem", TABLE)).toBe("ImplicitDeny");
    expect(decide(statements, "dynamodb:Query", `${TABLE}/index/bySubject`)).toBe("ImplicitDeny");
  });

  it("grants a wildcard-only action only through Resource *", () => {
    const scoped: PolicyStatement[] = [
      {
        Effect: "Allow",
        Action: "states:SendTaskSuccess",
        Resource: "arn:aws:states:us-east-1:123456789012:stateMachine:x",
      },
    ];
    expect(decide(scoped, "states:SendTaskSuccess", "*")).toBe("ImplicitDeny");
    expect(
      decide([{ Effect: "Allow", Action: "states:SendTaskSuccess", Resource: "*" }], "states:SendTaskSuccess", "*"),
    ).toBe("Allow");
  });

  describe("conditions", () => {
    const putEvents = (condition: PolicyStatement["Condition"]): PolicyStatement[] => [
      { Effect: "Allow", Action: "events:PutEvents", Resource: BUS, Condition: condition },
    ];

    it("ORs the values of one key and ANDs keys and operators", () => {
      const statements = putEvents({
        StringEquals: { "events:source": ["com.example.orders.api", "com.example.orders.workflow"] },
        StringLike: { "events:detail-type": "Order*" },
      });
      expect(
        decide(statements, "events:PutEvents", BUS, {
          "events:source": "com.example.orders.workflow",
          "events:detail-type": "OrderCreated",
        }),
      ).toBe("Allow");
      expect(
        decide(statements, "events:PutEvents", BUS, {
          "events:source": "com.example.orders.workflow",
          "events:detail-type": "PaymentAuthorized",
        }),
      ).toBe("ImplicitDeny");
      expect(
        decide(statements, "events:PutEvents", BUS, {
          "events:source": "com.example.payments.service",
          "events:detail-type": "OrderCreated",
        }),
      ).toBe("ImplicitDeny");
    });

    it("compares condition keys case-insensitively", () => {
      const statements = putEvents({ StringEquals: { "Events:Source": "lambda" } });
      expect(decide(statements, "events:PutEvents", BUS, { "events:source": "lambda" })).toBe("Allow");
    });

    it("fails a positive operator and passes a negated one when the key is absent", () => {
      expect(decide(putEvents({ StringEquals: { "events:source": "lambda" } }), "events:PutEvents", BUS)).toBe(
        "ImplicitDeny",
      );
      expect(decide(putEvents({ StringNotEquals: { "events:source": "lambda" } }), "events:PutEvents", BUS)).toBe(
        "Allow",
      );
      expect(decide(putEvents({ StringEqualsIfExists: { "events:source": "lambda" } }), "events:PutEvents", BUS)).toBe(
        "Allow",
      );
      expect(decide(putEvents({ Null: { "events:source": "true" } }), "events:PutEvents", BUS)).toBe("Allow");
      expect(
        decide(putEvents({ Null: { "events:source": "true" } }), "events:PutEvents", BUS, { "events:source": "x" }),
      ).toBe("ImplicitDeny");
    });

    it("applies ForAllValues and ForAnyValue to multivalued keys", () => {
      const all = putEvents({ "ForAllValues:StringEquals": { "aws:TagKeys": ["domain", "team"] } });
      expect(decide(all, "events:PutEvents", BUS, { "aws:TagKeys": ["domain"] })).toBe("Allow");
      expect(decide(all, "events:PutEvents", BUS, { "aws:TagKeys": ["domain", "secret"] })).toBe("ImplicitDeny");
      expect(decide(all, "events:PutEvents", BUS)).toBe("Allow");
      const any = putEvents({ "ForAnyValue:StringEquals": { "aws:TagKeys": ["domain"] } });
      expect(decide(any, "events:PutEvents", BUS, { "aws:TagKeys": ["team", "domain"] })).toBe("Allow");
      expect(decide(any, "events:PutEvents", BUS)).toBe("ImplicitDeny");
    });

    it("keeps an ARN wildcard inside its segment for ArnLike", () => {
      const statements: PolicyStatement[] = [
        {
          Effect: "Allow",
          Action: "lambda:InvokeFunction",
          Resource: "*",
          Condition: { ArnLike: { "aws:SourceArn": "arn:aws:events:*:123456789012:rule/*" } },
        },
      ];
      const arn = "arn:aws:events:us-east-1:123456789012:rule/keel-dev-events/audit";
      expect(decide(statements, "lambda:InvokeFunction", "*", { "aws:SourceArn": arn })).toBe("Allow");
      expect(
        decide(statements, "lambda:InvokeFunction", "*", {
          "aws:SourceArn": "arn:aws:events:us-east-1:999999999999:rule/x",
        }),
      ).toBe("ImplicitDeny");
    });

    it("compares numbers, dates, booleans and addresses by their kind", () => {
      const with_ = (condition: PolicyStatement["Condition"], context: Record<string, string>) =>
        decide(putEvents(condition), "events:PutEvents", BUS, context);
      expect(with_({ NumericLessThan: { "s3:max-keys": "10" } }, { "s3:max-keys": "9" })).toBe("Allow");
      expect(with_({ NumericLessThan: { "s3:max-keys": "10" } }, { "s3:max-keys": "10" })).toBe("ImplicitDeny");
      expect(
        with_(
          { DateGreaterThan: { "aws:CurrentTime": "2026-01-01T00:00:00Z" } },
          { "aws:CurrentTime": "2026-06-01T00:00:00Z" },
        ),
      ).toBe("Allow");
      expect(with_({ Bool: { "aws:SecureTransport": "true" } }, { "aws:SecureTransport": "TRUE" })).toBe("Allow");
      expect(with_({ IpAddress: { "aws:SourceIp": "10.0.0.0/8" } }, { "aws:SourceIp": "10.2.3.4" })).toBe("Allow");
      expect(with_({ NotIpAddress: { "aws:SourceIp": "10.0.0.0/8" } }, { "aws:SourceIp": "10.2.3.4" })).toBe(
        "ImplicitDeny",
      );
    });

    it("rejects an operator IAM does not have", () => {
      expect(() =>
        decide(putEvents({ StringEqualz: { "events:source": "lambda" } }), "events:PutEvents", BUS, {
          "events:source": "lambda",
        }),
      ).toThrow(/unknown condition operator StringEqualz/);
    });
  });
});
