import type { APIGatewayProxyEventV2WithJWTAuthorizer } from "aws-lambda";
import { type HttpEvent, httpHandler, identityOf, invalidBody, TENANT_CLAIM, withIdempotencyKey } from "../src";
import { idempotencyTable, lambdaContext } from "./support";

function request(
  options: { body?: string; headers?: Record<string, string>; tenant?: string } = {},
): APIGatewayProxyEventV2WithJWTAuthorizer {
  return {
    version: "2.0",
    routeKey: "POST /things",
    rawPath: "/things",
    rawQueryString: "",
    headers: { "content-type": "application/json", ...options.headers },
    requestContext: {
      accountId: "000000000000",
      apiId: "api",
      domainName: "localhost",
      domainPrefix: "localhost",
      http: { method: "POST", path: "/things", protocol: "HTTP/1.1", sourceIp: "127.0.0.1", userAgent: "test" },
      requestId: "req-1",
      routeKey: "POST /things",
      stage: "$default",
      time: "",
      timeEpoch: 0,
      authorizer: {
        principalId: "",
        integrationLatency: 0,
        jwt: { claims: { sub: "user-1", [TENANT_CLAIM]: options.tenant ?? "tenant-1" }, scopes: [] },
      },
    },
    isBase64Encoded: false,
    ...(options.body !== undefined ? { body: options.body } : {}),
  };
}

const problemOf = (response: { headers?: Record<string, unknown>; body?: string }) => {
  expect(response.headers?.["content-type"]).toBe("application/problem+json");
  return JSON.parse(response.body ?? "{}") as {
    type: string;
    status: number;
    title: string;
    detail?: string;
    errors?: unknown;
  };
};

const echo = httpHandler(
  async (event: HttpEvent<{ name?: unknown }>) => {
    if (typeof event.body?.name !== "string") throw invalidBody([{ path: "data.name", message: "is required" }]);
    return { statusCode: 201, body: JSON.stringify({ hello: event.body.name, tenant: identityOf(event).tenantId }) };
  },
  { jsonBody: true, maxBodyBytes: 1024 },
);

describe("the HTTP ingress stack", () => {
  it("parses JSON and runs the route", async () => {
    const response = await echo(request({ body: JSON.stringify({ name: "ada" }) }), lambdaContext());
    expect(response).toMatchObject({ statusCode: 201 });
    expect(JSON.parse(response.body ?? "{}")).toEqual({ hello: "ada", tenant: "tenant-1" });
  });

  it("accepts JSON declared as UTF-8, in any spelling", async () => {
    for (const contentType of ["application/json; charset=UTF-8", 'application/problem+json;charset="utf8"']) {
      const response = await echo(
        request({ body: JSON.stringify({ name: "ada" }), headers: { "content-type": contentType } }),
        lambdaContext(),
      );
      expect(response.statusCode).toBe(201);
    }
  });

  it.each([
    ["malformed JSON", request({ body: "{name:" }), 400, "malformed-json"],
    [
      "a wrong content type",
      request({ body: "name=ada", headers: { "content-type": "application/x-www-form-urlencoded" } }),
      415,
      "unsupported-media-type",
    ],
    [
      "a body declared in another charset",
      request({
        body: JSON.stringify({ name: "ada" }),
        headers: { "content-type": "application/json; charset=utf-16" },
      }),
      415,
      "unsupported-media-type",
    ],
    ["a body over the limit", request({ body: JSON.stringify({ name: "x".repeat(2000) }) }), 413, "payload-too-large"],
    ["a body that breaks the contract", request({ body: JSON.stringify({ name: 5 }) }), 422, "validation-failed"],
    ["a token without a tenant", request({ body: JSON.stringify({ name: "ada" }), tenant: "" }), 403, "no-tenant"],
    [
      "a tenant claim no envelope can carry",
      request({ body: JSON.stringify({ name: "ada" }), tenant: "t".repeat(65) }),
      403,
      "invalid-identity",
    ],
  ])("answers %s with problem+json", async (_name, event, status, slug) => {
    const response = await echo(event, lambdaContext());
    expect(response.statusCode).toBe(status);
    const problem = problemOf(response);
    expect(problem).toMatchObject({ status, type: `https://keel.example.com/problems/${slug}` });
    if (status === 422) expect(problem.errors).toEqual([{ path: "name", message: "is required" }]);
  });

  it("echoes a well-formed x-correlation-id on a refusal, and never a malformed one", async () => {
    const valid = "corr_01JD6W3Q6Z5Y8X9V0T1S2R3P4N";
    const refusedValid = await echo(
      request({ body: "{name:", headers: { "x-correlation-id": valid } }),
      lambdaContext(),
    );
    expect(refusedValid.headers?.["x-correlation-id"]).toBe(valid);
    const refusedForged = await echo(
      request({ body: "{name:", headers: { "x-correlation-id": "<script>alert(1)</script>" } }),
      lambdaContext(),
    );
    expect(refusedForged.statusCode).toBe(400);
    expect(refusedForged.headers).not.toHaveProperty("x-correlation-id");
  });

  it("answers an unexpected error with a 500 that reveals nothing", async () => {
    const failing = httpHandler(async () => {
      throw new Error("database password is hunter2");
    });
    const response = await failing(request({ body: "{}" }), lambdaContext());
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain("hunter2");
  });
});

describe("Idempotency-Key (IETF draft)", () => {
  let table: Awaited<ReturnType<typeof idempotencyTable>>;
  beforeAll(async () => {
    table = await idempotencyTable();
  });
  afterAll(() => table.dynamo.close());

  function counted(delayMs = 0) {
    let calls = 0;
    const handler = httpHandler(
      withIdempotencyKey(
        async (event: HttpEvent<{ n: number }>) => {
          calls += 1;
          await new Promise((resolve) => setTimeout(resolve, delayMs));
          return { statusCode: 202, body: JSON.stringify({ n: event.body.n, call: calls }) };
        },
        { persistenceStore: table.store },
      ),
      { jsonBody: true },
    );
    return { handler, calls: () => calls };
  }

  it("replays the stored response for the same key and body, without running the route again", async () => {
    const { handler, calls } = counted();
    const event = request({ body: JSON.stringify({ n: 1 }), headers: { "idempotency-key": "key-1" } });
    const first = await handler(event, lambdaContext());
    const second = await handler(
      request({ body: JSON.stringify({ n: 1 }), headers: { "idempotency-key": "key-1" } }),
      lambdaContext(),
    );
    expect(second).toEqual(first);
    expect(calls()).toBe(1);
  });

  it("refuses the same key with another body (422), per tenant", async () => {
    const { handler } = counted();
    await handler(
      request({ body: JSON.stringify({ n: 1 }), headers: { "idempotency-key": "key-2" } }),
      lambdaContext(),
    );
    const reused = await handler(
      request({ body: JSON.stringify({ n: 2 }), headers: { "idempotency-key": "key-2" } }),
      lambdaContext(),
    );
    expect(reused.statusCode).toBe(422);
    expect(problemOf(reused).type).toContain("idempotency-key-reused");
    const otherTenant = await handler(
      request({ body: JSON.stringify({ n: 2 }), headers: { "idempotency-key": "key-2" }, tenant: "tenant-2" }),
      lambdaContext(),
    );
    expect(otherTenant.statusCode).toBe(202);
  });

  it("answers 409 while the first request with the key is still in flight", async () => {
    const { handler } = counted(300);
    const event = () => request({ body: JSON.stringify({ n: 3 }), headers: { "idempotency-key": "key-3" } });
    const [first, second] = await Promise.all([
      handler(event(), lambdaContext()),
      new Promise((resolve) => setTimeout(resolve, 50)).then(() => handler(event(), lambdaContext())),
    ]);
    expect(first.statusCode).toBe(202);
    expect(second.statusCode).toBe(409);
  });

  it("processes a request without a key every time, and refuses a malformed key", async () => {
    const { handler, calls } = counted();
    await handler(request({ body: JSON.stringify({ n: 4 }) }), lambdaContext());
    await handler(request({ body: JSON.stringify({ n: 4 }) }), lambdaContext());
    expect(calls()).toBe(2);
    const bad = await handler(
      request({ body: "{}", headers: { "idempotency-key": "bad key with spaces" } }),
      lambdaContext(),
    );
    expect(bad.statusCode).toBe(400);
  });
});
