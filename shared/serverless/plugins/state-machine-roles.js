/**
 * serverless-step-functions gives a state machine's role events:PutEvents on every bus its
 * definition publishes to, for any source. This narrows it to the sources the definition's
 * `events:putEvents` tasks name (list this plugin after serverless-step-functions): with an
 * `events:source` condition, the workflow can publish only as its own component. A definition
 * that computes a source at run time (`Source.$`) keeps the broad grant, and packaging says so.
 */
class StateMachineRoles {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { "before:package:finalize": () => this.scope() };
  }

  scope() {
    const service = this.serverless.service;
    const resources = service.provider.compiledCloudFormationTemplate.Resources;
    const machines = service.stepFunctions?.stateMachines ?? {};
    for (const [key, machine] of Object.entries(machines)) {
      const logicalId = machine.id ?? findLogicalId(resources, machine.name, key);
      const roleId = resources[logicalId]?.Properties?.RoleArn?.["Fn::GetAtt"]?.[0];
      const role = roleId ? resources[roleId] : undefined;
      if (role?.Type !== "AWS::IAM::Role") continue;
      const entries = putEventsEntries(machine.definition?.States ?? {});
      if (entries.length === 0) continue;
      const dynamic = entries.filter((entry) => typeof entry.Source !== "string");
      if (dynamic.length > 0) {
        this.serverless.cli?.log?.(
          `state machine ${key}: a putEvents task computes its Source at run time; events:PutEvents stays unscoped`,
        );
        continue;
      }
      const sources = [...new Set(entries.map((entry) => entry.Source))].sort();
      for (const policy of role.Properties.Policies ?? []) {
        for (const statement of policy.PolicyDocument?.Statement ?? []) {
          const actions = [].concat(statement.Action ?? []);
          if (statement.Effect !== "Allow" || !actions.includes("events:PutEvents")) continue;
          if (actions.length > 1) continue;
          statement.Condition = {
            ...(statement.Condition ?? {}),
            StringEquals: { ...(statement.Condition?.StringEquals ?? {}), "events:source": sources },
          };
        }
      }
    }
  }
}

function findLogicalId(resources, name, key) {
  for (const [logicalId, resource] of Object.entries(resources)) {
    if (resource.Type === "AWS::StepFunctions::StateMachine" && resource.Properties?.StateMachineName === name)
      return logicalId;
  }
  return `${key[0].toUpperCase()}${key.slice(1)}StepFunctionsStateMachine`;
}

/** The Entries of every events:putEvents task, in nested Parallel and Map states too. */
function putEventsEntries(states) {
  const entries = [];
  for (const state of Object.values(states)) {
    if (state.Type === "Task" && String(state.Resource).startsWith("arn:aws:states:::events:putEvents")) {
      const parameters = state.Parameters ?? state.Arguments ?? {};
      const list = parameters.Entries ?? parameters["Entries.$"];
      if (Array.isArray(list)) entries.push(...list);
      else entries.push({ Source: undefined });
    }
    for (const branch of state.Branches ?? []) entries.push(...putEventsEntries(branch.States ?? {}));
    const processor = state.ItemProcessor ?? state.Iterator;
    if (processor) entries.push(...putEventsEntries(processor.States ?? {}));
  }
  return entries;
}

module.exports = StateMachineRoles;
