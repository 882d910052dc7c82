/**
 * Completes the per-function roles serverless-iam-roles-per-function builds (list this plugin
 * after it). That plugin gives a function's role its own statements and its own log group; what
 * Lambda itself does with the role the function still needs, and nothing more:
 *   - X-Ray: xray:PutTraceSegments and PutTelemetryRecords (Resource "*", the only form AWS
 *     accepts for them) when the function is traced;
 *   - asynchronous invocation destinations: events:PutEvents on the destination bus, only with
 *     source `lambda` and Lambda's result detail-types; sqs:SendMessage, sns:Publish or
 *     lambda:InvokeFunction on the destination.
 * The framework's shared role, which no function uses once each has its own, is removed, with
 * the destination grants it collected for every function (events:PutEvents on the bus with no
 * source condition).
 */
class FunctionRoles {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { "before:package:finalize": () => this.complete() };
  }

  complete() {
    const service = this.serverless.service;
    const naming = this.serverless.providers.aws.naming;
    const resources = service.provider.compiledCloudFormationTemplate.Resources;
    const sharedRoleId = naming.getRoleLogicalId();

    for (const name of service.getAllFunctions()) {
      const lambda = resources[naming.getLambdaLogicalId(name)];
      const roleId = lambda?.Properties?.Role?.["Fn::GetAtt"]?.[0];
      if (!roleId || roleId === sharedRoleId || resources[roleId]?.Type !== "AWS::IAM::Role") continue;
      const statements = resources[roleId].Properties.Policies[0].PolicyDocument.Statement;
      if (lambda.Properties.TracingConfig?.Mode === "Active") {
        statements.push({
          Sid: "XRayTracing",
          Effect: "Allow",
          Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
          Resource: "*",
        });
      }
      statements.push(...destinationStatements(service.getFunction(name).destinations, naming, resources));
    }

    const references =
      JSON.stringify({ ...resources, [sharedRoleId]: undefined }) +
      JSON.stringify(service.provider.compiledCloudFormationTemplate.Outputs ?? {});
    if (resources[sharedRoleId] && !references.includes(`"${sharedRoleId}"`)) delete resources[sharedRoleId];
  }
}

/** Statement ids name why Lambda needs a grant: LambdaDestinationOnSuccess, LambdaDestinationOnFailure. */
const RESULT_TYPES = {
  onSuccess: "Lambda Function Invocation Result - Success",
  onFailure: "Lambda Function Invocation Result - Failure",
};

function kindOf(destination) {
  if (destination && typeof destination === "object" && destination.type) return destination.type;
  const arn = typeof destination === "object" ? JSON.stringify(destination.arn ?? destination) : String(destination);
  if (arn.includes(":events:")) return "eventBus";
  if (arn.includes(":sqs:")) return "sqs";
  if (arn.includes(":sns:")) return "sns";
  return "function";
}

function targetOf(destination, naming, resources) {
  const value = destination && typeof destination === "object" && "arn" in destination ? destination.arn : destination;
  if (typeof value === "string" && !value.startsWith("arn:")) {
    // A function of this service, by name.
    const logicalId = naming.getLambdaLogicalId(value);
    if (resources[logicalId]) return { "Fn::GetAtt": [logicalId, "Arn"] };
  }
  return value;
}

function destinationStatements(destinations, naming, resources) {
  const statements = [];
  for (const [when, detailType] of Object.entries(RESULT_TYPES)) {
    const destination = destinations?.[when];
    if (!destination) continue;
    const resource = targetOf(destination, naming, resources);
    const Sid = `LambdaDestination${when[0].toUpperCase()}${when.slice(1)}`;
    switch (kindOf(destination)) {
      case "eventBus":
        statements.push({
          Sid,
          Effect: "Allow",
          Action: "events:PutEvents",
          Resource: resource,
          Condition: { StringEquals: { "events:source": "lambda", "events:detail-type": detailType } },
        });
        break;
      case "sqs":
        statements.push({ Sid, Effect: "Allow", Action: "sqs:SendMessage", Resource: resource });
        break;
      case "sns":
        statements.push({ Sid, Effect: "Allow", Action: "sns:Publish", Resource: resource });
        break;
      default:
        statements.push({ Sid, Effect: "Allow", Action: "lambda:InvokeFunction", Resource: resource });
    }
  }
  return statements;
}

module.exports = FunctionRoles;
