import { type OpsClients, opsClients } from "./clients";
import { type KeelNames, keelNames } from "./names";

/** What `.keel/endpoints.json` says about the running local runtime. */
export interface LocalRuntimeEndpoints {
  http: string;
  eventbridge: string;
  dynamodb: string;
  stage?: string;
  region?: string;
}

export interface ConnectOptions {
  /** Work against AWS (the SDK's credentials, region and endpoints) rather than the local runtime. */
  aws?: boolean;
  stage?: string;
  region?: string;
  /** The running local runtime's endpoints; read only when not `aws`. */
  local?: () => LocalRuntimeEndpoints;
  /** Credentials for the local runtime (any will do; it checks none). */
  localCredentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface Connection {
  clients: OpsClients;
  names: KeelNames;
  /** Where: `local runtime (stage local)` or `AWS (stage prod, region eu-west-1)`. */
  where: string;
  /** The local runtime's HTTP API, which serves the trace page. */
  http?: string;
}

/**
 * The same operations against either target: the local runtime through the endpoints it wrote,
 * or AWS through the SDK's defaults. AWS needs an explicit stage, so that nothing is replayed or
 * redriven into a stage by accident.
 */
export function connect(options: ConnectOptions): Connection {
  if (options.aws) {
    if (!options.stage)
      throw new Error("--aws needs --stage <stage>: the stage whose resources to use (keel-<stage>-…)");
    const region = options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    return {
      clients: opsClients(region ? { region } : {}),
      names: keelNames(options.stage),
      where: `AWS (stage ${options.stage}${region ? `, region ${region}` : ""})`,
    };
  }
  if (!options.local) throw new Error("no local runtime to connect to");
  const endpoints = options.local();
  const stage = endpoints.stage ?? "local";
  if (options.stage && options.stage !== stage)
    throw new Error(`the running local runtime runs stage ${stage}, not ${options.stage} (for AWS, add --aws)`);
  return {
    clients: opsClients({
      region: options.region ?? endpoints.region ?? "us-east-1",
      endpoints: { dynamodb: endpoints.dynamodb, aws: endpoints.eventbridge },
      credentials: options.localCredentials ?? { accessKeyId: "test", secretAccessKey: "test" },
    }),
    names: keelNames(stage),
    where: `the local runtime (stage ${stage})`,
    http: endpoints.http,
  };
}

/** The options every operations command takes. */
export const TARGET_OPTIONS = {
  aws: { type: "boolean", default: false },
  stage: { type: "string" },
  region: { type: "string" },
} as const;

export const TARGET_HELP = `  --aws              work against AWS (the SDK's usual credentials and region) instead of the
                     running local runtime (.keel/endpoints.json); needs --stage
  --stage <stage>    the stage whose resources to use (keel-<stage>-audit, …)
  --region <region>  the AWS region (default: the SDK's)`;
