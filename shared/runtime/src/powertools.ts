import { Logger } from "@aws-lambda-powertools/logger";
import { Tracer } from "@aws-lambda-powertools/tracer";
import { redactingReplacer } from "./redaction";

/**
 * Powertools, set up once per execution environment. The service name and log level come from
 * POWERTOOLS_SERVICE_NAME and POWERTOOLS_LOG_LEVEL (set in each serverless.yml); personal data and
 * secrets are masked in every line.
 *
 * The AWS SDK clients live in modules of their own (dynamodb.ts, publisher.ts, idempotency.ts): a
 * bundle requires only the SDK packages its handler uses, since the runtime provides the SDK
 * outside the bundle and esbuild keeps every `require` of a module it includes.
 */
export const logger = new Logger({ jsonReplacerFn: redactingReplacer });
export const tracer = new Tracer();
