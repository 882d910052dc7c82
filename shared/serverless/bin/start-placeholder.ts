console.log("The embedded local runtime is not built yet. `npm start` will run, on this machine:");
console.log("  - a DynamoDB-API server with every table of every serverless.yml");
console.log("  - an EventBridge-compatible bus server with the rules of every serverless.yml");
console.log("  - the state machines, executed from the same ASL");
console.log("  - the HTTP API on http://127.0.0.1:3000");
