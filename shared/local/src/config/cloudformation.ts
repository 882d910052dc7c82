import { createHash } from "node:crypto";

/**
 * Resolves CloudFormation intrinsic functions in a packaged template the way a deployment would,
 * with local physical ids: `Ref`, `Fn::GetAtt`, `Fn::Sub`, `Fn::Join`, `Fn::Select`, `Fn::Split`,
 * `Fn::If`/conditions are not used by Keel and are rejected with the resource's name.
 */

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Condition?: string;
  DependsOn?: unknown;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown }>;
}

export interface Environment {
  region: string;
  accountId: string;
  partition: string;
  stackName: string;
}

export class TemplateError extends Error {
  override readonly name = "TemplateError";
}

/** The physical id (`Ref`) and attributes (`Fn::GetAtt`) of each resource, computed like AWS would. */
export class ResourceIndex {
  constructor(
    readonly template: CfnTemplate,
    readonly env: Environment,
    private readonly service: string,
  ) {}

  private resource(logicalId: string): CfnResource {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new TemplateError(`${this.service}: no resource ${logicalId} in the template`);
    return resource;
  }

  /** A name for resources whose template gives none: `<stack>-<logicalId>`, as CloudFormation prefixes them. */
  private generatedName(logicalId: string) {
    return `${this.env.stackName}-${logicalId}`.slice(0, 64);
  }

  private name(logicalId: string, property: string): string {
    const value = this.resource(logicalId).Properties?.[property];
    return value === undefined
      ? this.generatedName(logicalId)
      : String(resolve(value, this, `${logicalId}.${property}`));
  }

  arn(service: string, resource: string) {
    return `arn:${this.env.partition}:${service}:${this.env.region}:${this.env.accountId}:${resource}`;
  }

  ref(logicalId: string): string {
    const pseudo = pseudoParameter(logicalId, this.env);
    if (pseudo !== undefined) return pseudo;
    const resource = this.resource(logicalId);
    switch (resource.Type) {
      case "AWS::DynamoDB::Table":
        return this.name(logicalId, "TableName");
      case "AWS::SQS::Queue":
        return `http://sqs.local/${this.env.accountId}/${this.name(logicalId, "QueueName")}`;
      case "AWS::Lambda::Function":
        return this.name(logicalId, "FunctionName");
      case "AWS::StepFunctions::StateMachine":
        return this.arn("states", `stateMachine:${this.name(logicalId, "StateMachineName")}`);
      case "AWS::Events::EventBus":
        return this.name(logicalId, "Name");
      case "AWS::Events::Rule":
        return this.name(logicalId, "Name");
      case "AWS::SNS::Topic":
        return this.arn("sns", this.name(logicalId, "TopicName"));
      case "AWS::IAM::Role":
        return this.name(logicalId, "RoleName");
      case "AWS::S3::Bucket":
        return this.name(logicalId, "BucketName").toLowerCase();
      case "AWS::KMS::Key": {
        // A key id is a UUID; this one is derived from the stack and the logical id.
        const hex = createHash("sha256").update(`${this.env.stackName}/${logicalId}`).digest("hex");
        return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
      }
      default:
        return logicalId;
    }
  }

  getAtt(logicalId: string, attribute: string): string {
    const resource = this.resource(logicalId);
    const key = `${resource.Type}.${attribute}`;
    switch (key) {
      case "AWS::DynamoDB::Table.Arn":
        return this.arn("dynamodb", `table/${this.ref(logicalId)}`);
      case "AWS::SQS::Queue.Arn":
        return this.arn("sqs", this.name(logicalId, "QueueName"));
      case "AWS::SQS::Queue.QueueName":
        return this.name(logicalId, "QueueName");
      case "AWS::SQS::Queue.QueueUrl":
        return this.ref(logicalId);
      case "AWS::Lambda::Function.Arn":
        return this.arn("lambda", `function:${this.ref(logicalId)}`);
      case "AWS::StepFunctions::StateMachine.Arn":
        return this.ref(logicalId);
      case "AWS::StepFunctions::StateMachine.Name":
        return this.name(logicalId, "StateMachineName");
      case "AWS::Events::EventBus.Arn":
        return this.arn("events", `event-bus/${this.ref(logicalId)}`);
      case "AWS::Events::EventBus.Name":
        return this.ref(logicalId);
      case "AWS::Events::Rule.Arn": {
        // A rule on a custom bus has the bus's name in its ARN.
        const bus = this.resource(logicalId).Properties?.EventBusName;
        const busArn = bus === undefined ? "default" : String(resolve(bus, this, `${logicalId}.EventBusName`));
        const busName = busArn.includes("event-bus/") ? busArn.slice(busArn.indexOf("event-bus/") + 10) : busArn;
        const name = this.ref(logicalId);
        return this.arn("events", busName === "default" ? `rule/${name}` : `rule/${busName}/${name}`);
      }
      case "AWS::KMS::Key.Arn":
        return this.arn("kms", `key/${this.ref(logicalId)}`);
      case "AWS::KMS::Key.KeyId":
        return this.ref(logicalId);
      case "AWS::SNS::Topic.TopicArn":
        return this.ref(logicalId);
      case "AWS::IAM::Role.Arn":
        return `arn:${this.env.partition}:iam::${this.env.accountId}:role/${this.ref(logicalId)}`;
      case "AWS::ApiGatewayV2::Api.ApiEndpoint":
        return "http://127.0.0.1";
      default:
        return `${this.arn("local", logicalId)}/${attribute}`;
    }
  }
}

export function pseudoParameter(name: string, env: Environment): string | undefined {
  switch (name) {
    case "AWS::Region":
      return env.region;
    case "AWS::AccountId":
      return env.accountId;
    case "AWS::Partition":
      return env.partition;
    case "AWS::StackName":
      return env.stackName;
    case "AWS::URLSuffix":
      return "amazonaws.com";
    case "AWS::NoValue":
      return undefined;
    default:
      return undefined;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function substitute(text: string, variables: Record<string, unknown>, index: ResourceIndex, where: string): string {
  return text.replace(/\$\{(!?)([^}]+)\}/g, (whole, literal: string, name: string) => {
    if (literal) return `\${${name}}`;
    if (Object.hasOwn(variables, name)) return String(resolve(variables[name], index, where));
    const pseudo = pseudoParameter(name, index.env);
    if (pseudo !== undefined) return pseudo;
    const dot = name.indexOf(".");
    if (dot > 0) return index.getAtt(name.slice(0, dot), name.slice(dot + 1));
    if (index.template.Resources[name]) return index.ref(name);
    throw new TemplateError(`${where}: cannot substitute ${whole}`);
  });
}

/** The value with every intrinsic function replaced by what it evaluates to locally. */
export function resolve(value: unknown, index: ResourceIndex, where: string): unknown {
  if (Array.isArray(value)) return value.map((item) => resolve(item, index, where));
  if (!isRecord(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const [key] = keys as [string];
    const argument = value[key];
    switch (key) {
      case "Ref":
        return index.ref(String(argument));
      case "Fn::GetAtt": {
        const [logicalId, attribute] = Array.isArray(argument) ? argument : String(argument).split(".");
        return index.getAtt(String(logicalId), String(attribute));
      }
      case "Fn::Sub": {
        if (typeof argument === "string") return substitute(argument, {}, index, where);
        const [text, variables] = argument as [string, Record<string, unknown>];
        return substitute(text, variables ?? {}, index, where);
      }
      case "Fn::Join": {
        const [separator, items] = argument as [string, unknown[]];
        return (resolve(items, index, where) as unknown[]).join(separator);
      }
      case "Fn::Select": {
        const [position, items] = argument as [unknown, unknown];
        return (resolve(items, index, where) as unknown[])[Number(resolve(position, index, where))];
      }
      case "Fn::Split": {
        const [separator, text] = argument as [string, unknown];
        return String(resolve(text, index, where)).split(separator);
      }
      case "Fn::ImportValue":
      case "Fn::If":
      case "Fn::FindInMap":
      case "Fn::GetAZs":
      case "Fn::Base64":
      case "Fn::Cidr":
        throw new TemplateError(`${where}: ${key} is not supported by the local runtime`);
    }
  }
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, resolve(item, index, where)]));
}
