// CloudFormation resources publishing the message registry to the EventBridge Schema Registry:
// `keel-<stage>-messages` and one JSONSchemaDraft4 schema per message version. A serverless.yml
// includes it as `${file(…/eventbridge-schemas.cjs)}` among its `resources`; the framework calls
// the exported function with its variable resolvers, which give the stage.
const { require: requireTypeScript } = require("tsx/cjs/api");

module.exports = async function eventBridgeSchemas({ resolveVariable } = {}) {
  if (typeof resolveVariable !== "function") {
    throw new Error(
      "eventbridge-schemas.cjs is a serverless.yml file variable: include it with the file variable source",
    );
  }
  const stage = await resolveVariable("sls:stage");
  // A scoped require: the TypeScript sources load without hooking the framework's own requires.
  const { schemaRegistryResources } = requireTypeScript("@keel/catalog/schema-registry", __filename);
  return { Resources: schemaRegistryResources({ stage }) };
};
