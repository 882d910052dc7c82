import type { NamedPolicy } from "@keel/iam";
import type { CompiledEventPattern } from "../eventbridge/pattern";

/** Everything the local runtime runs, read from the packaged templates of every service. */

export interface ServiceDef {
  name: string;
  dir: string;
  stackName: string;
  /** serverless-esbuild options of the service (`custom.esbuild`). */
  esbuild: Record<string, unknown>;
}

export interface AsyncInvokeConfig {
  /** Lambda retries a failed asynchronous invocation this many times (0-2, default 2). */
  maximumRetryAttempts: number;
  maximumEventAgeSeconds: number;
  onFailure?: string;
  onSuccess?: string;
}

export interface FunctionDef {
  service: string;
  /** The function's key in serverless.yml. */
  key: string;
  logicalId: string;
  name: string;
  arn: string;
  /** `path/to/module.export`, relative to the service folder. */
  handler: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  memoryMb: number;
  reservedConcurrency?: number;
  async: AsyncInvokeConfig;
  /** The execution role, when the template defines it (a role given by ARN is opaque here). */
  role?: RoleDef;
}

/** An IAM role of a template: its inline policies, resolved, and the managed policies it attaches. */
export interface RoleDef {
  logicalId: string;
  name: string;
  arn: string;
  policies: NamedPolicy[];
  managedPolicyArns: string[];
}

export interface InputTransformer {
  inputPathsMap: Record<string, string>;
  inputTemplate: string;
}

export interface TargetDef {
  id: string;
  arn: string;
  input?: string;
  inputPath?: string;
  inputTransformer?: InputTransformer;
  retryPolicy: { maximumRetryAttempts: number; maximumEventAgeSeconds: number };
  deadLetterArn?: string;
}

export interface RuleDef {
  service: string;
  logicalId: string;
  name: string;
  arn: string;
  busName: string;
  description?: string;
  state: "ENABLED" | "DISABLED";
  patternText: string;
  pattern: CompiledEventPattern;
  targets: TargetDef[];
}

export interface StateMachineDef {
  service: string;
  logicalId: string;
  name: string;
  arn: string;
  type: "STANDARD" | "EXPRESS";
  definition: Record<string, unknown>;
  role?: RoleDef;
}

export interface TableDef {
  service: string;
  logicalId: string;
  name: string;
  /** CreateTable input, from the resource's properties. */
  createTable: Record<string, unknown>;
  /** Items put into the table when the runtime creates it (`custom.keel.seed.<LogicalId>` in serverless.yml). */
  seed?: Record<string, unknown>[];
}

export interface QueueDef {
  service: string;
  logicalId: string;
  name: string;
  arn: string;
  attributes: Record<string, string>;
}

export interface BusDef {
  service: string;
  name: string;
  arn: string;
}

export interface JwtAuthorizerDef {
  name: string;
  issuer: string;
  audience: string[];
  identitySource: string[];
}

export interface RouteDef {
  service: string;
  /** `GET /orders/{orderId}`, or `$default`. */
  routeKey: string;
  method: string;
  path: string;
  functionName: string;
  payloadFormatVersion: "1.0" | "2.0";
  authorizer?: JwtAuthorizerDef;
}

/** A service's CloudFormation stack as deployed locally: what each logical id became. */
export interface StackDef {
  service: string;
  stackName: string;
  resources: Array<{ logicalId: string; type: string; physicalId: string }>;
  outputs: Array<{ key: string; value: string }>;
}

export interface SystemModel {
  stage: string;
  region: string;
  accountId: string;
  services: ServiceDef[];
  functions: FunctionDef[];
  rules: RuleDef[];
  stateMachines: StateMachineDef[];
  tables: TableDef[];
  queues: QueueDef[];
  buses: BusDef[];
  routes: RouteDef[];
  stacks: StackDef[];
}
