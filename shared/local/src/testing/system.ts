import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, QueryCommand, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { type LocalRuntime, type RuntimeRecord, type StartOptions, startLocal } from "../runtime";

export interface HttpAnswer<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/**
 * The whole system, started in memory on free ports, for end-to-end tests: real HTTP in, and
 * the tables and the bus archive to check what happened.
 */
export class SystemUnderTest {
  readonly records: RuntimeRecord[] = [];
  readonly db: DynamoDBDocumentClient;

  private constructor(
    readonly runtime: LocalRuntime,
    records: RuntimeRecord[],
  ) {
    this.records = records;
    this.db = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: runtime.endpoints.dynamodb,
        region: "us-east-1",
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
      }),
      { marshallOptions: { removeUndefinedValues: true } },
    );
  }

  /** Every service of the repository; AWS-side waits (workflow timeouts, retries) ten times shorter. */
  static async start(options: Partial<StartOptions> = {}): Promise<SystemUnderTest> {
    const records: RuntimeRecord[] = [];
    const runtime = await startLocal({
      inMemory: true,
      ports: { http: 0, aws: 0, dynamodb: 0 },
      timeScale: 0.1,
      functionLogs: "capture",
      onRecord: (record) => records.push(record),
      ...options,
    });
    return new SystemUnderTest(runtime, records);
  }

  token(tenant = "tenant-001", user = "user-123") {
    return this.runtime.token({ tenant, user });
  }

  async request<T = Record<string, unknown>>(
    method: string,
    path: string,
    options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpAnswer<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (options.body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
    const response = await fetch(`${this.runtime.endpoints.http}${path}`, {
      method,
      headers,
      ...(options.rawBody !== undefined
        ? { body: options.rawBody }
        : options.body !== undefined
          ? { body: JSON.stringify(options.body) }
          : {}),
    });
    const text = await response.text();
    let body: T;
    try {
      body = JSON.parse(text) as T;
    } catch {
      body = {} as T;
    }
    return { status: response.status, headers: response.headers, body, text };
  }

  /** Polls until `until` holds for the answer, or fails with the last answer after `timeoutMs`. */
  async poll<T>(read: () => Promise<T>, until: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let last = await read();
    while (!until(last)) {
      if (Date.now() > deadline)
        throw new Error(`still not there after ${timeoutMs} ms: ${JSON.stringify(last).slice(0, 2000)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      last = await read();
    }
    return last;
  }

  /** The physical name of a table, by service and logical id in its serverless.yml. */
  table(service: string, logicalId: string): string {
    const table = this.runtime.model.tables.find(
      (candidate) => candidate.service === service && candidate.logicalId === logicalId,
    );
    if (!table) throw new Error(`no table ${logicalId} in ${service}`);
    return table.name;
  }

  async item<T = Record<string, unknown>>(
    service: string,
    logicalId: string,
    key: Record<string, unknown>,
  ): Promise<T | undefined> {
    return (
      await this.db.send(new GetCommand({ TableName: this.table(service, logicalId), Key: key, ConsistentRead: true }))
    ).Item as T | undefined;
  }

  async scan<T = Record<string, unknown>>(service: string, logicalId: string): Promise<T[]> {
    const items: T[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({ TableName: this.table(service, logicalId), ExclusiveStartKey: start, ConsistentRead: true }),
      );
      items.push(...((page.Items ?? []) as T[]));
      start = page.LastEvaluatedKey;
    } while (start);
    return items;
  }

  async query<T = Record<string, unknown>>(
    service: string,
    logicalId: string,
    keyName: string,
    keyValue: string,
  ): Promise<T[]> {
    const page = await this.db.send(
      new QueryCommand({
        TableName: this.table(service, logicalId),
        KeyConditionExpression: "#key = :value",
        ExpressionAttributeNames: { "#key": keyName },
        ExpressionAttributeValues: { ":value": keyValue },
        ConsistentRead: true,
      }),
    );
    return (page.Items ?? []) as T[];
  }

  /** Envelopes seen on a bus (from its archive), optionally of one message name or conversation. */
  messages<T = { meta: Record<string, unknown>; data: Record<string, unknown> }>(
    filter: { bus?: "commands" | "events"; name?: string; correlationId?: string; orderId?: string } = {},
  ): T[] {
    return this.runtime.eventBridge
      .archived(filter.bus ? { bus: `keel-${this.runtime.model.stage}-${filter.bus}` } : {})
      .map((archived) => archived.event)
      .filter((event) => !filter.name || event["detail-type"] === filter.name)
      .map((event) => event.detail as { meta: Record<string, unknown>; data: Record<string, unknown> })
      .filter(
        (detail) =>
          detail?.meta &&
          (!filter.correlationId || detail.meta.correlationId === filter.correlationId) &&
          (!filter.orderId || (detail.data as { orderId?: unknown })?.orderId === filter.orderId),
      ) as T[];
  }

  idle(timeoutMs = 60_000) {
    return this.runtime.idle(timeoutMs);
  }

  async stop() {
    this.db.destroy();
    await this.runtime.stop();
  }
}
