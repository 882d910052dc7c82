/**
 * Sends malformed requests to the whole system on the local runtime and checks every answer: no
 * 5xx, the expected answerer and status, problem+json from functions, AWS's own shapes from the
 * gateway, and nothing published or started.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { type LocalRuntime, startLocal } from "@keel/local";
import fc from "fast-check";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import {
  bytesOf,
  CORRELATION_ID,
  describe,
  type FuzzRequest,
  GATEWAY_MESSAGES,
  malformedRequests,
  type Tokens,
} from "./requests";

export interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Set when no HTTP answer came back. */
  error?: string;
}

export interface FuzzTarget {
  runtime: LocalRuntime;
  tokens: Tokens;
  /** Events put on any bus so far. */
  published(): number;
  /** Step Functions executions started so far. */
  executions(): number;
  send(request: FuzzRequest): Promise<Answer>;
  stop(): Promise<void>;
}

const TENANT_CLAIM = "custom:tenantId";
const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A valid token, and tokens of every kind the JWT authorizer or the functions must refuse. */
export async function mintTokens(runtime: LocalRuntime): Promise<Tokens> {
  const authorizer = runtime.model.routes.find((route) => route.authorizer)?.authorizer;
  if (!authorizer) throw new Error("no route has a JWT authorizer");
  const issuer = authorizer.issuer;
  const audience = authorizer.audience[0] ?? "";
  const now = Math.floor(Date.now() / 1000);
  const claims = { [TENANT_CLAIM]: "tenant-001", token_use: "access" };
  const issue = (options: { subject?: string; claims?: Record<string, unknown>; expiresInSeconds?: number }) =>
    runtime.identity.issue({
      issuer,
      audience,
      subject: options.subject ?? "user-123",
      claims: options.claims ?? { [TENANT_CLAIM]: "tenant-001" },
      ...(options.expiresInSeconds === undefined ? {} : { expiresInSeconds: options.expiresInSeconds }),
    });
  const foreign = async (alg: "ES256" | "RS256" | "HS256") => {
    const key =
      alg === "HS256"
        ? new TextEncoder().encode("a-shared-secret-nobody-configured")
        : (await generateKeyPair(alg)).privateKey;
    return new SignJWT(claims)
      .setProtectedHeader({ alg, kid: "keel-local", typ: "JWT" })
      .setIssuer(issuer)
      .setAudience(audience)
      .setSubject("user-123")
      .setIssuedAt()
      .setExpirationTime(now + 3600)
      .sign(key);
  };
  const valid = await issue({});
  const [header = "", payload = "", signature = ""] = valid.split(".");
  const flipped = `${signature.slice(0, 20)}${signature[20] === "A" ? "B" : "A"}${signature.slice(21)}`;
  const payloadClaims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
  const unsigned = { ...payloadClaims };
  const otherKey = await generateKeyPair("ES256", { extractable: true });
  return {
    valid,
    refused: [
      { kind: "expired", token: await issue({ expiresInSeconds: -120 }) },
      { kind: "not yet valid", token: await issue({ claims: { [TENANT_CLAIM]: "tenant-001", nbf: now + 3600 } }) },
      {
        kind: "other issuer",
        token: await runtime.identity.issue({ issuer: `${issuer}-other`, audience, subject: "user-123", claims }),
      },
      {
        kind: "other audience",
        token: await runtime.identity.issue({ issuer, audience: "another-api", subject: "user-123", claims }),
      },
      { kind: "signature altered", token: `${header}.${payload}.${flipped}` },
      { kind: "signature removed", token: `${header}.${payload}.` },
      { kind: "two segments", token: `${header}.${payload}` },
      {
        kind: "payload altered",
        token: `${header}.${base64url({ ...payloadClaims, [TENANT_CLAIM]: "tenant-002" })}.${signature}`,
      },
      { kind: "alg none", token: `${base64url({ alg: "none", typ: "JWT" })}.${base64url(unsigned)}.` },
      { kind: "alg None", token: `${base64url({ alg: "None", typ: "JWT" })}.${base64url(unsigned)}.` },
      { kind: "other ES256 key", token: await foreign("ES256") },
      { kind: "RS256", token: await foreign("RS256") },
      { kind: "HS256", token: await foreign("HS256") },
      {
        kind: "embedded jwk",
        token: await new SignJWT(claims)
          .setProtectedHeader({ alg: "ES256", typ: "JWT", jwk: await exportJWK(otherKey.publicKey) })
          .setIssuer(issuer)
          .setAudience(audience)
          .setSubject("user-123")
          .setExpirationTime(now + 3600)
          .sign(otherKey.privateKey),
      },
    ],
    withoutTenant: [
      { kind: "no tenant claim", token: await issue({ claims: {} }) },
      { kind: "empty tenant claim", token: await issue({ claims: { [TENANT_CLAIM]: "" } }) },
      { kind: "empty subject", token: await issue({ subject: "" }) },
      { kind: "tenant claim of 65 characters", token: await issue({ claims: { [TENANT_CLAIM]: "t".repeat(65) } }) },
      { kind: "subject of 257 characters", token: await issue({ subject: "s".repeat(257) }) },
    ],
  };
}

/** The whole system on free ports, in memory and quiet, with counters of what it published and started. */
export async function startTarget(options: { concurrency?: number } = {}): Promise<FuzzTarget> {
  let executions = 0;
  const runtime = await startLocal({
    inMemory: true,
    ports: { http: 0, aws: 0, dynamodb: 0 },
    functionLogs: "silent",
    timeScale: 0.1,
    onRecord: (record) => {
      if (record.type === "execution.started") executions += 1;
    },
  });
  const tokens = await mintTokens(runtime);
  const url = new URL(runtime.endpoints.http);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency ?? 8 });
  const send = (request: FuzzRequest) =>
    new Promise<Answer>((resolve) => {
      const body = request.body === undefined ? undefined : bytesOf(request.body);
      const outgoing = httpRequest(
        {
          host: url.hostname,
          port: url.port,
          method: request.method,
          path: request.path,
          headers: { ...request.headers, ...(body ? { "content-length": String(body.length) } : {}) },
          agent,
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("end", () =>
            resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }),
          );
          response.on("error", (error) =>
            resolve({ status: 0, headers: {}, body: Buffer.alloc(0), error: error.message }),
          );
        },
      );
      outgoing.setTimeout(30_000, () => outgoing.destroy(new Error("no answer within 30 s")));
      outgoing.on("error", (error) => resolve({ status: 0, headers: {}, body: Buffer.alloc(0), error: error.message }));
      outgoing.end(body);
    });
  return {
    runtime,
    tokens,
    published: () => runtime.eventBridge.archived().length,
    executions: () => executions,
    send,
    stop: async () => {
      agent.destroy();
      await runtime.stop();
    },
  };
}

/** Who answered: the function (problem+json), the gateway (`{"message": ...}`), or neither. */
export function answererOf(answer: Answer): "function" | "gateway" | "other" {
  const type = answer.headers["content-type"] ?? "";
  if (type.startsWith("application/problem+json")) return "function";
  if (type === "application/json") {
    try {
      const body = answer.body.length === 0 ? {} : (JSON.parse(answer.body.toString()) as Record<string, unknown>);
      const keys = Object.keys(body);
      if (keys.length === 0 || (keys.length === 1 && typeof body.message === "string")) return "gateway";
    } catch {
      return "other";
    }
  }
  return "other";
}

/** What is wrong with an answer to a request; empty when nothing is. */
export function violationsOf(request: FuzzRequest, answer: Answer): string[] {
  if (answer.error) return [`no answer: ${answer.error}`];
  const problems: string[] = [];
  const { status } = answer;
  const statuses = [...request.expect.statuses];
  // Two requests with the same Idempotency-Key at once: the second is told the first is in progress.
  if (request.expect.by === "function" && request.method === "POST" && request.headers["idempotency-key"]) {
    statuses.push(409);
  }
  if (status >= 500) problems.push(`${status}: a server error`);
  const echoed = answer.headers["x-correlation-id"];
  if (typeof echoed === "string" && !CORRELATION_ID.test(echoed)) {
    problems.push(`a malformed x-correlation-id echoed: ${JSON.stringify(echoed).slice(0, 60)}`);
  }
  if (status >= 200 && status < 300) problems.push(`${status}: a malformed request was accepted`);
  if (!statuses.includes(status)) problems.push(`status ${status}, expected ${statuses.join(" or ")}`);
  const type = answer.headers["content-type"];
  const text = answer.body.toString("utf8");
  if (request.expect.by === "gateway") {
    if (type !== "application/json")
      problems.push(`gateway answer with content-type ${type}, expected application/json`);
    const message = GATEWAY_MESSAGES[status];
    if (request.method !== "HEAD" && text !== JSON.stringify({ message })) {
      problems.push(`gateway answer ${text.slice(0, 200)}, expected ${JSON.stringify({ message })}`);
    }
    if (status === 401 && !String(answer.headers["www-authenticate"] ?? "").startsWith("Bearer")) {
      problems.push("401 without a WWW-Authenticate: Bearer challenge");
    }
    return problems;
  }
  if (type !== "application/problem+json") {
    problems.push(
      `function answer with content-type ${type}, expected application/problem+json: ${text.slice(0, 200)}`,
    );
    return problems;
  }
  let problem: Record<string, unknown>;
  try {
    problem = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return [...problems, `problem+json that is not JSON: ${text.slice(0, 200)}`];
  }
  if (typeof problem !== "object" || problem === null || Array.isArray(problem)) {
    return [...problems, `problem+json that is not an object: ${text.slice(0, 200)}`];
  }
  if (typeof problem.type !== "string" || !URL.canParse(problem.type))
    problems.push(`problem type ${String(problem.type)}`);
  if (typeof problem.title !== "string" || problem.title.length === 0)
    problems.push(`problem title ${String(problem.title)}`);
  if (problem.status !== status) problems.push(`problem status ${String(problem.status)} in a ${status} answer`);
  return problems;
}

export interface Violation {
  index: number;
  request: FuzzRequest;
  answer: Answer;
  problems: string[];
}

export interface FuzzReport {
  seed: number;
  requests: number;
  seconds: number;
  byStatus: Map<string, number>;
  byCategory: Map<string, Map<number, number>>;
  serverErrors: number;
  published: number;
  executions: number;
  violations: Violation[];
}

export interface FuzzOptions {
  runs: number;
  seed: number;
  concurrency?: number;
  onProgress?: (done: number, report: FuzzReport) => void;
}

/** The property checked for every request: it is a function of the request, its answer and what was published. */
export function fuzzProperty(target: FuzzTarget) {
  return fc.asyncProperty(malformedRequests(target.tokens), async (request) => {
    const before = target.published();
    const startedBefore = target.executions();
    const answer = await target.send(request);
    const problems = violationsOf(request, answer);
    if (target.published() !== before) problems.push(`${target.published() - before} event(s) published`);
    if (target.executions() !== startedBefore) problems.push("a workflow execution started");
    if (problems.length > 0) throw new Error(`${problems.join("; ")}`);
  });
}

/** Generates `runs` requests from `seed` (as fast-check would for this property), sends them `concurrency` at a time. */
export async function fuzz(target: FuzzTarget, options: FuzzOptions): Promise<FuzzReport> {
  const property = fuzzProperty(target);
  const requests = fc.sample(property, { seed: options.seed, numRuns: options.runs }).map(([request]) => request);
  const report: FuzzReport = {
    seed: options.seed,
    requests: 0,
    seconds: 0,
    byStatus: new Map(),
    byCategory: new Map(),
    serverErrors: 0,
    published: 0,
    executions: 0,
    violations: [],
  };
  const publishedBefore = target.published();
  const executionsBefore = target.executions();
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const index = next;
      next += 1;
      const request = requests[index] as FuzzRequest;
      const answer = await target.send(request);
      report.requests += 1;
      const key = answer.error ? "no answer" : `${answer.status} ${answererOf(answer)}`;
      report.byStatus.set(key, (report.byStatus.get(key) ?? 0) + 1);
      const category = report.byCategory.get(request.category) ?? new Map<number, number>();
      category.set(answer.status, (category.get(answer.status) ?? 0) + 1);
      report.byCategory.set(request.category, category);
      if (answer.status >= 500) report.serverErrors += 1;
      const problems = violationsOf(request, answer);
      if (problems.length > 0) report.violations.push({ index, request, answer, problems });
      report.seconds = (performance.now() - started) / 1000;
      options.onProgress?.(report.requests, report);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency ?? 8 }, worker));
  await target.runtime.idle(60_000);
  report.seconds = (performance.now() - started) / 1000;
  report.published = target.published() - publishedBefore;
  report.executions = target.executions() - executionsBefore;
  report.violations.sort((a, b) => a.index - b.index);
  return report;
}

/**
 * Replays the request at `index` one at a time and lets fast-check shrink it: the smallest request
 * that still fails, with what is wrong with its answer.
 */
export async function shrink(target: FuzzTarget, seed: number, index: number): Promise<string | undefined> {
  const details = await fc.check(fuzzProperty(target), { seed, path: String(index), numRuns: 1 });
  if (!details.failed || !details.counterexample) return undefined;
  const [request] = details.counterexample;
  const message =
    details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  return `${describe(request)}\n  => ${message}\n  (${details.numShrinks} shrink(s); replay with --seed ${seed} --path ${details.counterexamplePath})`;
}
