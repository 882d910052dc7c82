import { basename } from "node:path";
import type { PolicyDocument } from "@keel/iam";
import { packagedTemplate } from "@keel/serverless";
import { compileEventPattern, InvalidEventPatternError } from "../eventbridge/pattern";
import { type CfnResource, type CfnTemplate, type Environment, ResourceIndex, resolve } from "./cloudformation";
import type {
  AsyncInvokeConfig,
  BusDef,
  FunctionDef,
  JwtAuthorizerDef,
  QueueDef,
  RoleDef,
  RouteDef,
  RuleDef,
  StateMachineDef,
  SystemModel,
  TableDef,
  TargetDef,
} from "./model";

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`the services' configuration cannot run locally:\n  - ${problems.join("\n  - ")}`);
  }
}

export interface ServiceSource {
  name: string;
  dir: string;
}

export interface LoadOptions {
  services: readonly ServiceSource[];
  stage: string;
  region?: string;
  accountId?: string;
  /** Where packaged templates are cached, by a hash of what they are generated from. */
  cacheDir: string;
  /** Called with a line of progress while packaging. */
  onProgress?: (line: string) => void;
}

interface Packaged {
  template: CfnTemplate;
  resolved: {
    service: string;
    custom?: { esbuild?: Record<string, unknown>; keel?: { seed?: Record<string, unknown> } };
    functions?: Record<string, { name?: string; handler?: string }>;
  };
}

async function packaged(service: ServiceSource, options: LoadOptions): Promise<Packaged> {
  const result = await packagedTemplate(service.dir, {
    stage: options.stage,
    cacheDir: options.cacheDir,
    ...(options.onProgress ? { onProgress: options.onProgress } : {}),
  });
  return { template: result.template as CfnTemplate, resolved: result.resolved as Packaged["resolved"] };
}

const str = (value: unknown) => (value === undefined || value === null ? undefined : String(value));
const nameFromArn = (value: string, marker: string) =>
  value.includes(marker) ? value.slice(value.indexOf(marker) + marker.length) : value;

/** Packages every service (or reuses the cached templates) and reads them into one model. */
export async function loadSystem(options: LoadOptions): Promise<SystemModel> {
  const region = options.region ?? "us-east-1";
  const accountId = options.accountId ?? "000000000000";
  const queue = [...options.services];
  const packagedByService = new Map<string, Packaged>();
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift())
      packagedByService.set(next.name, await packaged(next, options));
  };
  await Promise.all([worker(), worker()]);

  const model: SystemModel = {
    stage: options.stage,
    region,
    accountId,
    services: [],
    functions: [],
    rules: [],
    stateMachines: [],
    tables: [],
    queues: [],
    buses: [{ service: "aws", name: "default", arn: `arn:aws:events:${region}:${accountId}:event-bus/default` }],
    routes: [],
    stacks: [],
  };
  const problems: string[] = [];

  for (const source of options.services) {
    const { template, resolved } = packagedByService.get(source.name) as Packaged;
    const seeded = new Set(Object.keys(resolved.custom?.keel?.seed ?? {}));
    for (const logicalId of seeded) {
      if (template.Resources[logicalId]?.Type !== "AWS::DynamoDB::Table") {
        problems.push(`custom.keel.seed.${logicalId} (${source.name}) names no DynamoDB table of the service`);
      }
    }
    const env: Environment = {
      region,
      accountId,
      partition: "aws",
      stackName: `${resolved.service}-${options.stage}`,
    };
    const index = new ResourceIndex(template, env, source.name);
    model.services.push({
      name: source.name,
      dir: source.dir,
      stackName: env.stackName,
      esbuild: resolved.custom?.esbuild ?? {},
    });
    const read = (logicalId: string, resource: CfnResource) =>
      resolve(resource.Properties ?? {}, index, `${source.name}/${logicalId}`) as Record<string, unknown>;
    const entries = Object.entries(template.Resources);
    const ofType = (type: string) => entries.filter(([, resource]) => resource.Type === type);

    const invokeConfigs = new Map<string, AsyncInvokeConfig>();
    for (const [logicalId, resource] of ofType("AWS::Lambda::EventInvokeConfig")) {
      const properties = read(logicalId, resource);
      const destinations = properties.DestinationConfig as
        | { OnFailure?: { Destination?: string }; OnSuccess?: { Destination?: string } }
        | undefined;
      invokeConfigs.set(String(properties.FunctionName), {
        maximumRetryAttempts: Number(properties.MaximumRetryAttempts ?? 2),
        maximumEventAgeSeconds: Number(properties.MaximumEventAgeInSeconds ?? 21_600),
        ...(destinations?.OnFailure?.Destination ? { onFailure: destinations.OnFailure.Destination } : {}),
        ...(destinations?.OnSuccess?.Destination ? { onSuccess: destinations.OnSuccess.Destination } : {}),
      });
    }

    /** The role a resource's `Role`/`RoleArn` property names, when it is one of the template's roles. */
    const roleOf = (property: unknown): RoleDef | undefined => {
      const attribute = (property as { "Fn::GetAtt"?: unknown } | undefined)?.["Fn::GetAtt"];
      const roleId = Array.isArray(attribute)
        ? String(attribute[0])
        : typeof attribute === "string"
          ? attribute.split(".")[0]
          : undefined;
      const role = roleId ? template.Resources[roleId] : undefined;
      if (!roleId || role?.Type !== "AWS::IAM::Role") return undefined;
      const properties = read(roleId, role);
      const policies = (properties.Policies ?? []) as Array<{ PolicyName?: unknown; PolicyDocument?: PolicyDocument }>;
      return {
        logicalId: roleId,
        name: index.ref(roleId),
        arn: index.getAtt(roleId, "Arn"),
        policies: policies.map((policy, position) => ({
          name: `${roleId}/${String(policy.PolicyName ?? position)}`,
          document: policy.PolicyDocument ?? { Statement: [] },
        })),
        managedPolicyArns: ((properties.ManagedPolicyArns ?? []) as unknown[]).map(String),
      };
    };

    const functionKeys = new Map(
      Object.entries(resolved.functions ?? {}).map(([key, definition]) => [definition.name ?? key, key]),
    );
    for (const [logicalId, resource] of ofType("AWS::Lambda::Function")) {
      const properties = read(logicalId, resource);
      const name = String(properties.FunctionName ?? index.ref(logicalId));
      const variables = ((properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
        {}) as Record<string, unknown>;
      const definition: FunctionDef = {
        service: source.name,
        key: functionKeys.get(name) ?? logicalId,
        logicalId,
        name,
        arn: index.getAtt(logicalId, "Arn"),
        handler: String(properties.Handler),
        environment: Object.fromEntries(Object.entries(variables).map(([key, value]) => [key, String(value)])),
        timeoutSeconds: Number(properties.Timeout ?? 3),
        memoryMb: Number(properties.MemorySize ?? 128),
        async: invokeConfigs.get(name) ?? { maximumRetryAttempts: 2, maximumEventAgeSeconds: 21_600 },
      };
      const role = roleOf(resource.Properties?.Role);
      if (role) definition.role = role;
      if (properties.ReservedConcurrentExecutions !== undefined) {
        definition.reservedConcurrency = Number(properties.ReservedConcurrentExecutions);
      }
      model.functions.push(definition);
    }

    for (const [logicalId] of ofType("AWS::Events::EventBus")) {
      const name = index.ref(logicalId);
      model.buses.push({ service: source.name, name, arn: index.getAtt(logicalId, "Arn") } satisfies BusDef);
    }

    for (const [logicalId, resource] of ofType("AWS::DynamoDB::Table")) {
      const { SSESpecification, PointInTimeRecoverySpecification, TimeToLiveSpecification, Tags, ...createTable } =
        read(logicalId, resource);
      const name = String(createTable.TableName ?? index.ref(logicalId));
      const seed = resolved.custom?.keel?.seed?.[logicalId];
      if (seed !== undefined && !Array.isArray(seed))
        problems.push(`seed of table ${logicalId} (${source.name}) must be a list of items`);
      model.tables.push({
        service: source.name,
        logicalId,
        name,
        createTable: { ...createTable, TableName: name },
        ...(Array.isArray(seed) ? { seed: seed as Record<string, unknown>[] } : {}),
      } satisfies TableDef);
    }

    for (const [logicalId, resource] of ofType("AWS::SQS::Queue")) {
      const { QueueName, Tags, RedrivePolicy, ...rest } = read(logicalId, resource);
      const attributes = Object.fromEntries(Object.entries(rest).map(([key, value]) => [key, String(value)]));
      if (RedrivePolicy) attributes.RedrivePolicy = JSON.stringify(RedrivePolicy);
      model.queues.push({
        service: source.name,
        logicalId,
        name: index.getAtt(logicalId, "QueueName"),
        arn: index.getAtt(logicalId, "Arn"),
        attributes,
      } satisfies QueueDef);
    }

    for (const [logicalId, resource] of ofType("AWS::StepFunctions::StateMachine")) {
      const properties = read(logicalId, resource);
      const name = String(properties.StateMachineName ?? index.ref(logicalId));
      const text = properties.DefinitionString ?? JSON.stringify(properties.Definition ?? {});
      const role = roleOf(resource.Properties?.RoleArn);
      try {
        model.stateMachines.push({
          service: source.name,
          logicalId,
          name,
          arn: index.ref(logicalId),
          type: properties.StateMachineType === "EXPRESS" ? "EXPRESS" : "STANDARD",
          definition: JSON.parse(String(text)) as Record<string, unknown>,
          ...(role ? { role } : {}),
        } satisfies StateMachineDef);
      } catch (error) {
        problems.push(`state machine ${name} (${source.name}): definition is not JSON: ${(error as Error).message}`);
      }
    }

    for (const [logicalId, resource] of ofType("AWS::Events::Rule")) {
      const properties = read(logicalId, resource);
      const name = String(properties.Name ?? index.ref(logicalId));
      const busName = nameFromArn(String(properties.EventBusName ?? "default"), "event-bus/");
      if (!properties.EventPattern) {
        problems.push(`rule ${name} (${source.name}): only event-pattern rules run locally (no schedules)`);
        continue;
      }
      const patternText =
        typeof properties.EventPattern === "string" ? properties.EventPattern : JSON.stringify(properties.EventPattern);
      try {
        const targets = ((properties.Targets ?? []) as Array<Record<string, unknown>>).map(readTarget);
        model.rules.push({
          service: source.name,
          logicalId,
          name,
          arn: `arn:aws:events:${region}:${accountId}:rule/${busName === "default" ? "" : `${busName}/`}${name}`,
          busName,
          ...(properties.Description ? { description: String(properties.Description) } : {}),
          state: properties.State === "DISABLED" ? "DISABLED" : "ENABLED",
          patternText,
          pattern: compileEventPattern(patternText),
          targets,
        } satisfies RuleDef);
      } catch (error) {
        if (error instanceof InvalidEventPatternError) {
          problems.push(`rule ${name} (${source.name}, ${logicalId}): ${error.message}`);
        } else throw error;
      }
    }

    model.routes.push(...readRoutes(template, read, source.name, problems));
    model.stacks.push({
      service: source.name,
      stackName: env.stackName,
      resources: entries.map(([logicalId, resource]) => ({
        logicalId,
        type: resource.Type,
        physicalId: index.ref(logicalId),
      })),
      outputs: Object.entries(template.Outputs ?? {}).map(([key, output]) => ({
        key,
        value: String(resolve(output.Value, index, `${source.name}/Outputs/${key}`)),
      })),
    });
  }

  checkReferences(model, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return model;
}

function readTarget(target: Record<string, unknown>): TargetDef {
  const retry = (target.RetryPolicy ?? {}) as { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number };
  const transformer = target.InputTransformer as
    | { InputPathsMap?: Record<string, string>; InputTemplate: string }
    | undefined;
  const deadLetter = (target.DeadLetterConfig as { Arn?: string } | undefined)?.Arn;
  return {
    id: String(target.Id),
    arn: String(target.Arn),
    ...(target.Input !== undefined ? { input: String(target.Input) } : {}),
    ...(target.InputPath !== undefined ? { inputPath: String(target.InputPath) } : {}),
    ...(transformer
      ? {
          inputTransformer: {
            inputPathsMap: transformer.InputPathsMap ?? {},
            inputTemplate: transformer.InputTemplate,
          },
        }
      : {}),
    retryPolicy: {
      maximumRetryAttempts: retry.MaximumRetryAttempts ?? 185,
      maximumEventAgeSeconds: retry.MaximumEventAgeInSeconds ?? 86_400,
    },
    ...(deadLetter ? { deadLetterArn: deadLetter } : {}),
  };
}

function readRoutes(
  template: CfnTemplate,
  read: (logicalId: string, resource: CfnResource) => Record<string, unknown>,
  service: string,
  problems: string[],
): RouteDef[] {
  const resources = template.Resources;
  const routes: RouteDef[] = [];
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type !== "AWS::ApiGatewayV2::Route") continue;
    const properties = read(logicalId, resource);
    const routeKey = String(properties.RouteKey);
    const integrationId = basename(String(properties.Target ?? ""));
    const integration = resources[integrationId];
    if (!integration) {
      problems.push(`route ${routeKey} (${service}): no integration ${integrationId}`);
      continue;
    }
    const integrationProperties = read(integrationId, integration);
    const functionName = nameFromArn(String(integrationProperties.IntegrationUri), "function:");
    let authorizer: JwtAuthorizerDef | undefined;
    if (properties.AuthorizationType === "JWT") {
      const authorizerId = String(properties.AuthorizerId);
      const authorizerResource = resources[authorizerId];
      if (!authorizerResource) {
        problems.push(`route ${routeKey} (${service}): no authorizer ${authorizerId}`);
        continue;
      }
      const config = read(authorizerId, authorizerResource);
      const jwt = config.JwtConfiguration as { Issuer: string; Audience: string[] };
      authorizer = {
        name: String(config.Name ?? authorizerId),
        issuer: jwt.Issuer,
        audience: jwt.Audience,
        identitySource: (config.IdentitySource as string[]) ?? ["$request.header.Authorization"],
      };
    } else if (properties.AuthorizationType && properties.AuthorizationType !== "NONE") {
      problems.push(
        `route ${routeKey} (${service}): authorization ${String(properties.AuthorizationType)} is not emulated`,
      );
      continue;
    }
    const [method, path] = routeKey === "$default" ? ["ANY", "$default"] : (routeKey.split(" ") as [string, string]);
    routes.push({
      service,
      routeKey,
      method,
      path,
      functionName,
      payloadFormatVersion: str(integrationProperties.PayloadFormatVersion) === "1.0" ? "1.0" : "2.0",
      ...(authorizer ? { authorizer } : {}),
    });
  }
  return routes;
}

/** Everything that points at something else must point at something the system has. */
function checkReferences(model: SystemModel, problems: string[]) {
  const functionArns = new Set(model.functions.map((fn) => fn.arn));
  const functionNames = new Set(model.functions.map((fn) => fn.name));
  const queueArns = new Set(model.queues.map((queue) => queue.arn));
  const buses = new Set(model.buses.map((bus) => bus.name));
  for (const rule of model.rules) {
    if (!buses.has(rule.busName))
      problems.push(`rule ${rule.name} (${rule.service}): event bus ${rule.busName} does not exist`);
    for (const target of rule.targets) {
      if (target.deadLetterArn && !queueArns.has(target.deadLetterArn)) {
        problems.push(`rule ${rule.name} (${rule.service}): dead-letter queue ${target.deadLetterArn} does not exist`);
      }
    }
  }
  for (const fn of model.functions) {
    for (const destination of [fn.async.onFailure, fn.async.onSuccess]) {
      if (destination?.startsWith("arn:aws:sqs:") && !queueArns.has(destination)) {
        problems.push(`function ${fn.name} (${fn.service}): destination queue ${destination} does not exist`);
      }
    }
  }
  for (const machine of model.stateMachines) {
    for (const reference of lambdaReferences(machine.definition)) {
      const name = nameFromArn(reference, "function:").split(":")[0] ?? reference;
      if (!functionArns.has(reference) && !functionNames.has(name)) {
        problems.push(`state machine ${machine.name} (${machine.service}): function ${reference} does not exist`);
      }
    }
  }
  for (const route of model.routes) {
    if (!functionNames.has(route.functionName)) {
      problems.push(`route ${route.routeKey} (${route.service}): function ${route.functionName} does not exist`);
    }
  }
  const seen = new Map<string, string>();
  for (const route of model.routes) {
    const owner = seen.get(route.routeKey);
    if (owner) problems.push(`route ${route.routeKey} is declared by both ${owner} and ${route.service}`);
    seen.set(route.routeKey, route.service);
  }
}

/** Every Lambda function a state machine definition invokes (plain ARNs and lambda:invoke FunctionName). */
export function lambdaReferences(definition: unknown): string[] {
  const found: string[] = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (typeof value !== "object" || value === null) return;
    const state = value as Record<string, unknown>;
    if (state.Type === "Task" && typeof state.Resource === "string") {
      if (state.Resource.startsWith("arn:aws:lambda:")) found.push(state.Resource);
      else if (state.Resource.startsWith("arn:aws:states:::lambda:invoke")) {
        const target = (state.Parameters as Record<string, unknown> | undefined)?.FunctionName;
        if (typeof target === "string") found.push(target);
      }
    }
    Object.values(state).forEach(visit);
  };
  visit(definition);
  return found;
}
