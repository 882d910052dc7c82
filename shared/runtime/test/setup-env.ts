// Handlers under test run outside Lambda: quiet logs, no X-Ray, a function name for idempotency keys.
process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
process.env.POWERTOOLS_TRACE_ENABLED ??= "false";
process.env.POWERTOOLS_SERVICE_NAME ??= "test";
process.env.AWS_LAMBDA_FUNCTION_NAME ??= "test-function";
process.env.AWS_REGION ??= "us-east-1";
