import { randomUUID } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { rm } from "node:fs/promises";
import { basename, join } from "node:path";
import { listServices, REPO_ROOT, serviceDir } from "@keel/serverless";
import { Activity } from "./activity";
import { AwsError, type JsonProtocolService, type ServiceRoute, startAwsServer } from "./aws/protocol";
import { cloudFormationRoute } from "./cloudformation/service";
import { loadSystem, type ServiceSource } from "./config/load";
import type { SystemModel } from "./config/model";
import { localCredentials, startDynamoDB } from "./dynamodb";
import { type BusRecord, DeliveryError, EventBridge } from "./eventbridge/bus";
import type { BusEvent } from "./eventbridge/input";
import { eventBridgeService } from "./eventbridge/service";
import { FaultInjector, type FaultOptions } from "./faults";
import { type ExtraRoute, type HttpRecord, startHttpApi } from "./http/api";
import { LocalIdentityProvider } from "./http/jwt";
import { tracePageRoute } from "./http/trace-page";
import { type FunctionCredentials, IamAuthorizer, type IamMode, type IamUse } from "./iam/authorizer";
import { serviceOfTarget } from "./iam/requests";
import { AsyncInvoker, type AsyncRecord, type InvocationRecord } from "./lambda/async";
import { bundleService } from "./lambda/bundle";
import { type FunctionLogLine, Functions } from "./lambda/functions";
import { lambdaInvokeRoute } from "./lambda/service";
import { Outbox, sesRoute, snsRoute } from "./outbox/service";
import { SqsEmulator, sqsService } from "./sqs";
import { type ExecutionLogRecord, StepFunctions } from "./stepfunctions/engine";
import { stepFunctionsService } from "./stepfunctions/service";

/** A call a function's role does not allow (refused when IAM is enforced). */
export interface IamRecord {
  type: "iam.denied";
  function: string;
  action: string;
  resource: string;
  context: Record<string, string>;
  message: string;
  at: string;
}

export type RuntimeRecord = BusRecord | AsyncRecord | ExecutionLogRecord | HttpRecord | IamRecord;

export interface Endpoints {
  http: string;
  eventbridge: string;
  stepfunctions: string;
  sqs: string;
  lambda: string;
  dynamodb: string;
}

export interface StartOptions {
  /** Keep every table, queue, archive and execution in memory (tests); by default they live under `dataDir`. */
  inMemory?: boolean;
  /** Where `.keel` state lives; defaults to `<repo>/.keel`. */
  dataDir?: string;
  stage?: string;
  region?: string;
  /** The services to run; defaults to every folder under `services/` with a serverless.yml. */
  services?: readonly ServiceSource[];
  /** 0 picks a free port. Defaults: HTTP 3000, AWS APIs 4100, DynamoDB 4101 (tests should pass 0). */
  ports?: { http?: number; aws?: number; dynamodb?: number };
  /** Multiplies AWS-side delays: state machine waits, retries and timeouts, EventBridge and Lambda retry backoff. */
  timeScale?: number;
  /** Where function output goes: this process's stdout (`inherit`), `capture` into `logs`, or `silent`. */
  functionLogs?: "inherit" | "capture" | "silent";
  /** Receives one record per message routed, delivery, invocation outcome, execution and HTTP request. */
  onRecord?: (record: RuntimeRecord) => void;
  /** Sees every event any bus receives, whole, as it is routed. */
  onEvent?: (bus: string, event: BusEvent) => void;
  onProgress?: (line: string) => void;
  maxInstancesPerFunction?: number;
  /**
   * Environment variables to set on top of serverless.yml's, by service name or function name
   * (e.g. a test shortening a simulated delay). Function names win over service names.
   */
  environment?: Record<string, Record<string, string>>;
  /** Write `<dataDir>/endpoints.json` for the CLI's other commands (default: when not in memory). */
  writeEndpoints?: boolean;
  /** Extra pages the HTTP server serves before the API's routes (the runtime's own tools). */
  extraRoutes?: readonly ExtraRoute[];
  /**
   * Each function's calls checked against its execution role from the template: `enforce`
   * (default) refuses what the role does not allow, as AWS would; `record` only reports it.
   */
  iam?: IamMode;
  /** Faults to inject from the start (see `LocalRuntime.faults` to change them while running). */
  faults?: FaultOptions;
}

export interface LocalRuntime {
  endpoints: Endpoints;
  model: SystemModel;
  functions: Functions;
  eventBridge: EventBridge;
  stepFunctions: StepFunctions;
  sqs: SqsEmulator;
  /** The DynamoDB calls made so far, by operation (PutItem, Query, …). */
  dynamodb: { operationCounts(): Record<string, number> };
  identity: LocalIdentityProvider;
  /** The email (SES) and SMS (SNS) functions sent: kept here, never delivered. */
  outbox: Outbox;
  /** What each function called, and whether its role allowed it. */
  iam: {
    mode: IamMode;
    usage(): IamUse[];
    denials(): IamUse[];
    /** The credentials a function signs its calls with (to act as it, in a test). */
    credentialsFor(functionName: string): FunctionCredentials;
  };
  /** Function output, when `functionLogs` is `capture`. */
  logs: FunctionLogLine[];
  /** Injected faults: transient errors and crashes of consumers, duplicate and late deliveries. */
  faults: FaultInjector;
  /** The environment a client (a test, a CLI) needs to reach this runtime through the AWS SDK. */
  clientEnvironment: Record<string, string>;
  /** A bearer token accepted by the HTTP API's JWT authorizer. */
  token(options: {
    tenant: string;
    user: string;
    claims?: Record<string, unknown>;
    expiresInSeconds?: number;
  }): Promise<string>;
  /** Resolves once no delivery, retry, invocation or execution is in flight. */
  idle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** The claim that carries the tenant, as the deployed authorizer's identity provider issues it. */
export const TENANT_CLAIM = "custom:tenantId";

export function defaultServices(): ServiceSource[] {
  return listServices().map((name) => ({ name, dir: serviceDir(name) }));
}

/** Starts every service of the system on this machine, from the same serverless.yml files that deploy. */
export async function startLocal(options: StartOptions = {}): Promise<LocalRuntime> {
  const stage = options.stage ?? "local";
  const region = options.region ?? "us-east-1";
  const accountId = "000000000000";
  const dataDir = options.dataDir ?? join(REPO_ROOT, ".keel");
  const inMemory = options.inMemory ?? false;
  const scratch = join(dataDir, "tmp", `${process.pid}-${randomUUID().slice(0, 8)}`);
  const stateDir = inMemory ? undefined : join(dataDir, "data");
  const timeScale = options.timeScale ?? 1;
  const ports = options.ports ?? {};
  const progress = options.onProgress ?? (() => undefined);
  const record = (item: RuntimeRecord) => options.onRecord?.(item);
  const closers: Array<() => Promise<void> | void> = [];
  const stopAll = async () => {
    for (const close of closers.reverse()) await close();
    await rm(scratch, { recursive: true, force: true });
    if (inMemory) await rm(join(REPO_ROOT, ".keel", "tmp", basename(scratch)), { recursive: true, force: true });
  };

  try {
    const model = await loadSystem({
      services: options.services ?? defaultServices(),
      stage,
      region,
      accountId,
      cacheDir: join(dataDir, "config"),
      onProgress: progress,
    });
    const iam = new IamAuthorizer(model.functions, options.iam ?? "enforce", { region, accountId }, (use, message) =>
      record({
        type: "iam.denied",
        function: use.function,
        action: use.action,
        resource: use.resource,
        context: use.context,
        message,
        at: new Date().toISOString(),
      }),
    );
    // Bundles stay inside the repository, wherever the data lives: they resolve the AWS SDK (which
    // Lambda's runtime provides) from the repository's node_modules.
    const buildDir = inMemory
      ? join(REPO_ROOT, ".keel", "tmp", basename(scratch), "build")
      : join(REPO_ROOT, ".keel", "build");
    const modules = new Map<string, string>();
    for (const result of await Promise.all(
      model.services.map((service) => bundleService(service, model.functions, buildDir)),
    )) {
      for (const [name, path] of result) modules.set(name, path);
    }
    progress(`bundled ${modules.size} function(s)`);

    const dynamo = await startDynamoDB(model.tables, {
      region,
      ...(iam.mode === "off"
        ? {}
        : { authorize: (headers, operation, input) => iam.checkCall(headers, "dynamodb", operation, input) }),
      ...(ports.dynamodb !== undefined ? { port: ports.dynamodb } : { port: 4101 }),
      ...(stateDir ? { path: join(stateDir, "dynamodb") } : {}),
    });
    closers.push(() => dynamo.close());

    if (stateDir) mkdirSync(stateDir, { recursive: true });
    const sqs = new SqsEmulator({
      region,
      accountId,
      ...(stateDir ? { persistPath: join(stateDir, "sqs.json") } : {}),
    });
    closers.push(() => sqs.close());
    for (const queue of model.queues) {
      if (!sqs.findQueue(queue.name)) sqs.createQueue(queue.name, queue.attributes);
    }

    const services: JsonProtocolService[] = [];
    const routes: ServiceRoute[] = [];
    const aws = await startAwsServer(services, {
      port: ports.aws ?? 4100,
      routes,
      authorize: (request, prefix, operation, input) => {
        const service = serviceOfTarget(prefix);
        if (service) iam.checkCall(request.headers, service, operation, input);
      },
    }).catch((error: NodeJS.ErrnoException) => {
      throw error.code === "EADDRINUSE" ? new Error(`port ${ports.aws ?? 4100} (AWS APIs) is already in use`) : error;
    });
    closers.push(() => aws.close());

    const clientEnvironment: Record<string, string> = {
      AWS_REGION: region,
      AWS_ACCESS_KEY_ID: localCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: localCredentials.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: "true",
      // Anything a function calls that the runtime does not emulate fails here, never on real AWS.
      AWS_ENDPOINT_URL: aws.url,
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.url,
      AWS_ENDPOINT_URL_EVENTBRIDGE: aws.url,
      AWS_ENDPOINT_URL_SFN: aws.url,
      AWS_ENDPOINT_URL_SQS: aws.url,
      AWS_ENDPOINT_URL_LAMBDA: aws.url,
    };

    const activity = new Activity();
    const logs: FunctionLogLine[] = [];
    const functionLogs = options.functionLogs ?? "inherit";
    const overridden = model.functions.map((definition) => ({
      ...definition,
      environment: {
        ...definition.environment,
        ...options.environment?.[definition.service],
        ...options.environment?.[definition.name],
        ...(iam.mode === "off" ? {} : iam.credentialsFor(definition)),
      },
    }));
    const functions = new Functions(overridden, modules, {
      region,
      baseEnvironment: {
        ...clientEnvironment,
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        // No X-Ray daemon locally: Powertools Tracer stays off.
        POWERTOOLS_TRACE_ENABLED: "false",
      },
      ...(options.maxInstancesPerFunction ? { maxInstancesPerFunction: options.maxInstancesPerFunction } : {}),
      ...(functionLogs === "capture" ? { onLog: (line: FunctionLogLine) => logs.push(line) } : {}),
      ...(functionLogs === "silent" ? { onLog: () => undefined, discardLogs: true } : {}),
    });
    closers.push(() => functions.close());
    const consumers = model.rules.flatMap((rule) => rule.targets.map((target) => functions.resolveName(target.arn)));
    const faults = new FaultInjector(
      consumers.filter((name): name is string => name !== undefined),
      options.faults,
    );
    functions.intercept = (name, run) => faults.invoke(name, run);

    let bridge: EventBridge | undefined;
    const eventBridge = () => bridge as EventBridge;
    const sendToDestination = async (arn: string, body: string, attributes: Record<string, string>, source: string) => {
      if (arn.startsWith("arn:aws:sqs:")) {
        const queue = sqs.findQueue(arn);
        if (!queue) throw new AwsError("QueueDoesNotExist", `queue ${arn} does not exist`);
        sqs.sendMessage(
          queue,
          body,
          Object.keys(attributes).length > 0
            ? {
                messageAttributes: Object.fromEntries(
                  Object.entries(attributes).map(([key, value]) => [key, { DataType: "String", StringValue: value }]),
                ),
              }
            : {},
        );
        return;
      }
      if (arn.startsWith("arn:aws:events:")) {
        const result = eventBridge().putEvents([
          { EventBusName: arn, Source: source, DetailType: attributes.detailType, Detail: body },
        ]);
        if (result.FailedEntryCount > 0) throw new Error(JSON.stringify(result.Entries));
        return;
      }
      throw new Error(`destination ${arn} is not an SQS queue or an event bus`);
    };

    const asyncInvoker = new AsyncInvoker(
      functions,
      {
        send: async (arn, invocation: InvocationRecord, outcome) => {
          const detailType = `Lambda Function Invocation Result - ${outcome}`;
          // Lambda delivers to a destination with the function's execution role.
          const sender = model.functions.find(
            (definition) => `${definition.arn}:$LATEST` === invocation.requestContext.functionArn,
          );
          if (sender)
            iam.check(
              sender,
              "lambda",
              arn.startsWith("arn:aws:events:")
                ? [
                    {
                      action: "events:PutEvents",
                      resource: arn,
                      context: { "events:source": "lambda", "events:detail-type": detailType },
                    },
                  ]
                : [{ action: "sqs:SendMessage", resource: arn }],
            );
          await sendToDestination(
            arn,
            JSON.stringify(invocation),
            arn.startsWith("arn:aws:events:") ? { detailType } : {},
            "lambda",
          );
        },
      },
      { activity, retryDelaysMs: [60_000 * timeScale, 120_000 * timeScale], onRecord: record },
    );

    const stepFunctions = new StepFunctions(
      model.stateMachines,
      {
        invokeFunction: (name, payload) => functions.invoke(name, payload),
        invokeFunctionAsync: (name, payload) => void asyncInvoker.invoke(name, payload),
        putEvents: (entries) => eventBridge().putEvents(entries),
      },
      {
        region,
        accountId,
        activity,
        timeScale,
        ...(stateDir ? { dataDir: join(stateDir, "stepfunctions") } : {}),
        onRecord: record,
        // As on AWS: every status change of a Standard execution is an event on the default bus.
        onStatusChange: (execution) =>
          eventBridge().emitServiceEvent(
            "default",
            "aws.states",
            "Step Functions Execution Status Change",
            {
              executionArn: execution.executionArn,
              stateMachineArn: execution.stateMachineArn,
              name: execution.name,
              status: execution.status,
              startDate: execution.startDate.getTime(),
              stopDate: execution.stopDate?.getTime() ?? null,
              input: execution.input,
              output: execution.output ?? null,
              inputDetails: { included: true },
              outputDetails: execution.output !== undefined ? { included: true } : null,
              error: execution.error ?? null,
              cause: execution.cause ?? null,
            },
            [execution.executionArn],
          ),
      },
    );
    closers.push(() => stepFunctions.close());

    bridge = new EventBridge(
      model.buses,
      model.rules,
      {
        async deliver(target, input, { event }) {
          const arn = target.arn;
          try {
            if (arn.startsWith("arn:aws:lambda:")) {
              asyncInvoker.invoke(arn, JSON.parse(input));
            } else if (arn.startsWith("arn:aws:states:")) {
              stepFunctions.startExecution(arn, undefined, input);
            } else if (arn.startsWith("arn:aws:sqs:")) {
              await sendToDestination(arn, input, {}, event.source);
            } else if (arn.startsWith("arn:aws:events:")) {
              const result = eventBridge().putEvents([
                {
                  EventBusName: arn,
                  Source: event.source,
                  DetailType: event["detail-type"],
                  Detail: JSON.stringify(event.detail),
                  Resources: event.resources,
                },
              ]);
              if (result.FailedEntryCount > 0)
                throw new DeliveryError("NO_RESOURCE", JSON.stringify(result.Entries), false);
            } else {
              throw new DeliveryError(
                "INVALID_PARAMETER",
                `target ${arn} is not a Lambda function, state machine, SQS queue or event bus`,
                false,
              );
            }
          } catch (error) {
            if (error instanceof DeliveryError) throw error;
            const name = (error as Error).name;
            const missing = ["ResourceNotFoundException", "StateMachineDoesNotExist", "QueueDoesNotExist"].includes(
              name,
            );
            const invalid = ["InvalidExecutionInput", "InvalidName"].includes(name);
            const throttled = name === "TooManyRequestsException";
            throw new DeliveryError(
              missing ? "NO_RESOURCE" : invalid ? "INVALID_PARAMETER" : throttled ? "THROTTLING" : "ERROR_FROM_TARGET",
              (error as Error).message,
              !missing && !invalid,
            );
          }
        },
      },
      { send: (queueArn, body, attributes) => sendToDestination(queueArn, body, attributes, "events") },
      {
        region,
        accountId,
        activity,
        retryBaseDelayMs: 1000 * timeScale,
        retryMaxDelayMs: 60_000 * timeScale,
        ...(stateDir ? { archiveDir: join(stateDir, "archive") } : {}),
        onRecord: record,
        ...(options.onEvent ? { onEvent: options.onEvent } : {}),
        interceptDelivery: (target, deliver) => faults.deliver(target, deliver),
      },
    );
    closers.push(() => eventBridge().close());

    services.push(eventBridgeService(eventBridge()), stepFunctionsService(stepFunctions), sqsService(sqs));
    const outbox = new Outbox();
    routes.push(
      lambdaInvokeRoute(functions, asyncInvoker, (request, name) =>
        iam.checkCall(request.headers, "lambda", "Invoke", { FunctionName: name }),
      ),
      cloudFormationRoute(model.stacks, new Date()),
      sesRoute(outbox, (request, service, operation, input) =>
        iam.checkCall(request.headers, service, operation, input),
      ),
      snsRoute(outbox, (request, service, operation, input) =>
        iam.checkCall(request.headers, service, operation, input),
      ),
    );

    const identity = await LocalIdentityProvider.create(inMemory ? undefined : join(dataDir, "keys", "jwt.json"));
    const authorizer = model.routes.find((route) => route.authorizer)?.authorizer;
    const token: LocalRuntime["token"] = ({ tenant, user, claims, expiresInSeconds }) => {
      if (!authorizer) throw new Error("no route of the system has a JWT authorizer");
      return identity.issue({
        issuer: authorizer.issuer,
        audience: authorizer.audience[0] ?? "",
        subject: user,
        claims: { [TENANT_CLAIM]: tenant, ...claims },
        ...(expiresInSeconds ? { expiresInSeconds } : {}),
      });
    };
    const tokenRoute: ExtraRoute = async (request, response, url) => {
      if (url.pathname !== "/_keel/token" || request.method !== "POST") return false;
      const tenant = url.searchParams.get("tenant");
      const user = url.searchParams.get("user");
      if (!tenant || !user) {
        response.writeHead(400, { "content-type": "application/json" });
        response.end(JSON.stringify({ message: "tenant and user are required" }));
        return true;
      }
      try {
        const text = await token({ tenant, user });
        response.writeHead(200, { "content-type": "text/plain" });
        response.end(text);
      } catch (error) {
        response.writeHead(400, { "content-type": "application/json" });
        response.end(JSON.stringify({ message: (error as Error).message }));
      }
      return true;
    };

    // `keel trace`'s page: /_keel/trace/<id>
    const tracePage = tracePageRoute({ stage, region, endpoints: { aws: aws.url, dynamodb: dynamo.url } });
    closers.push(() => tracePage.close());
    const http = await startHttpApi(model.routes, {
      port: ports.http ?? 3000,
      functions,
      identity,
      accountId,
      extraRoutes: [tokenRoute, tracePage, ...(options.extraRoutes ?? [])],
      onRecord: record,
    });
    closers.push(() => http.close());

    const endpoints: Endpoints = {
      http: http.url,
      eventbridge: aws.url,
      stepfunctions: aws.url,
      sqs: aws.url,
      lambda: aws.url,
      dynamodb: dynamo.url,
    };
    if (options.writeEndpoints ?? !inMemory) {
      mkdirSync(dataDir, { recursive: true });
      writeFileSync(
        join(dataDir, "endpoints.json"),
        `${JSON.stringify({ ...endpoints, stage, region, pid: process.pid }, null, 2)}\n`,
      );
      closers.unshift(() => rm(join(dataDir, "endpoints.json"), { force: true }));
    }

    return {
      endpoints,
      model,
      functions,
      eventBridge: eventBridge(),
      stepFunctions,
      sqs,
      dynamodb: { operationCounts: () => dynamo.operationCounts() },
      identity,
      outbox,
      iam: {
        mode: iam.mode,
        usage: () => iam.usage(),
        denials: () => iam.denials(),
        credentialsFor: (name) => {
          const definition = model.functions.find((candidate) => candidate.name === name || candidate.key === name);
          if (!definition) throw new Error(`no function ${name}`);
          return iam.credentialsFor(definition);
        },
      },
      logs,
      faults,
      clientEnvironment,
      token,
      idle: (timeoutMs) => activity.idle(timeoutMs),
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
