/**
 * Intrinsic functions and the names they point at: every `Ref`, `Fn::GetAtt`, `Fn::Sub` variable,
 * `DependsOn`, condition and mapping must exist in the template, each GetAtt attribute must be one
 * the type has, each intrinsic must be well formed, and no unresolved variable may be left behind.
 */
import { asIntrinsic, getAttTarget, isObject, isPseudoParameter, subParts, subVariables } from "./intrinsics";
import { childPath, knownNames, type Reporter } from "./report";
import { resourceSpec } from "./spec";
import { resourcesOf, type Template } from "./template";

/** Variables CloudFormation never sees: a framework that should have resolved them did not. */
const FRAMEWORK_VARIABLE = /\$\{(self|param|opt|sls|env|file|cf|ssm|s3|aws|strToBool|git):/;
const PSEUDO_IN_TEXT = /\$\{AWS::[A-Za-z]+\}/;

export function checkReferences(template: Template, report: Reporter): void {
  const walker = new ReferenceWalker(template, report);
  for (const [logicalId, resource] of resourcesOf(template)) {
    walker.walk(resource.Properties, logicalId, "Properties");
    walker.dependsOn(resource.DependsOn, logicalId);
    if (resource.Condition !== undefined) walker.condition(resource.Condition, logicalId, "Condition");
  }
  for (const [name, output] of Object.entries(template.Outputs ?? {})) {
    if (!isObject(output)) continue;
    walker.walk(output.Value, `Outputs.${name}`, "Value");
    walker.walk(output.Export, `Outputs.${name}`, "Export");
    if (output.Condition !== undefined) walker.condition(output.Condition, `Outputs.${name}`, "Condition");
  }
  for (const [name, condition] of Object.entries(template.Conditions ?? {}))
    walker.walk(condition, `Conditions.${name}`, "");
}

class ReferenceWalker {
  private readonly resources: Map<string, { Type: string }>;
  private readonly parameters: Set<string>;

  constructor(
    private readonly template: Template,
    private readonly report: Reporter,
  ) {
    this.resources = resourcesOf(template);
    this.parameters = new Set(Object.keys(template.Parameters ?? {}));
  }

  private problem(logicalId: string, path: string, message: string, expected?: string) {
    this.report.add("references", logicalId, path, message, expected);
  }

  walk(value: unknown, logicalId: string, path: string): void {
    const intrinsic = asIntrinsic(value);
    if (intrinsic) {
      this.intrinsic(intrinsic.name, intrinsic.argument, logicalId, childPath(path, intrinsic.name));
      return;
    }
    if (typeof value === "string") {
      this.literal(value, logicalId, path);
      return;
    }
    if (Array.isArray(value)) {
      value.forEach((element, index) => {
        this.walk(element, logicalId, childPath(path, index));
      });
    } else if (isObject(value))
      for (const [key, element] of Object.entries(value)) this.walk(element, logicalId, childPath(path, key));
  }

  private literal(text: string, logicalId: string, path: string) {
    const framework = text.match(FRAMEWORK_VARIABLE);
    if (framework)
      this.problem(
        logicalId,
        path,
        `unresolved Serverless variable in ${JSON.stringify(text)}`,
        "a value the framework resolves",
      );
    else if (PSEUDO_IN_TEXT.test(text))
      this.problem(
        logicalId,
        path,
        `${JSON.stringify(text)} is not inside Fn::Sub, so CloudFormation keeps it literally`,
        "the text inside an Fn::Sub",
      );
  }

  private intrinsic(name: string, argument: unknown, logicalId: string, path: string) {
    switch (name) {
      case "Ref":
        if (typeof argument !== "string") this.problem(logicalId, path, "Ref takes a logical id", "a string");
        else this.ref(argument, logicalId, path, "Ref");
        return;
      case "Fn::GetAtt":
        this.getAtt(argument, logicalId, path);
        return;
      case "Fn::Sub":
        this.sub(argument, logicalId, path);
        return;
      case "Fn::If":
        if (!Array.isArray(argument) || argument.length !== 3) {
          this.problem(logicalId, path, "malformed Fn::If", "[condition name, value if true, value if false]");
          return;
        }
        this.condition(argument[0], logicalId, childPath(path, 0));
        this.walk(argument[1], logicalId, childPath(path, 1));
        this.walk(argument[2], logicalId, childPath(path, 2));
        return;
      case "Condition":
        this.condition(argument, logicalId, path);
        return;
      case "Fn::FindInMap":
        if (!Array.isArray(argument) || argument.length < 3) {
          this.problem(logicalId, path, "malformed Fn::FindInMap", "[map name, top-level key, second-level key]");
          return;
        }
        if (typeof argument[0] === "string" && !(argument[0] in (this.template.Mappings ?? {})))
          this.problem(
            logicalId,
            childPath(path, 0),
            `no mapping named ${argument[0]}`,
            knownNames(argument[0], Object.keys(this.template.Mappings ?? {})),
          );
        break;
      case "Fn::Join":
        if (!Array.isArray(argument) || argument.length !== 2 || typeof argument[0] !== "string") {
          this.problem(logicalId, path, "malformed Fn::Join", "[delimiter, [values…]]");
          return;
        }
        if (!Array.isArray(argument[1]) && !asIntrinsic(argument[1]))
          this.problem(logicalId, childPath(path, 1), "Fn::Join joins a list", "a list of values");
        break;
      case "Fn::Select":
        if (!Array.isArray(argument) || argument.length !== 2) {
          this.problem(logicalId, path, "malformed Fn::Select", "[index, [values…]]");
          return;
        }
        break;
      case "Fn::Split":
        if (!Array.isArray(argument) || argument.length !== 2 || typeof argument[0] !== "string") {
          this.problem(logicalId, path, "malformed Fn::Split", "[delimiter, source string]");
          return;
        }
        break;
    }
    this.walk(argument, logicalId, path);
  }

  private ref(target: string, logicalId: string, path: string, subject: string) {
    if (isPseudoParameter(target) || this.parameters.has(target) || this.resources.has(target)) return;
    this.problem(
      logicalId,
      path,
      `${subject}: ${target} is not a resource, parameter or pseudo parameter of the template`,
      knownNames(target, [...this.resources.keys(), ...this.parameters]),
    );
  }

  private getAtt(argument: unknown, logicalId: string, path: string) {
    const target = getAttTarget(argument);
    if (!target) {
      this.problem(logicalId, path, "malformed Fn::GetAtt", '[logical id, attribute] or "LogicalId.Attribute"');
      return;
    }
    if (typeof target.attribute !== "string") {
      this.walk(target.attribute, logicalId, childPath(path, 1));
      if (!this.resources.has(target.logicalId))
        this.ref(target.logicalId, logicalId, childPath(path, 0), "Fn::GetAtt");
      return;
    }
    this.attribute(
      target.logicalId,
      target.attribute,
      logicalId,
      path,
      `Fn::GetAtt ${target.logicalId}.${target.attribute}`,
    );
  }

  private attribute(targetId: string, attribute: string, logicalId: string, path: string, subject: string) {
    const resource = this.resources.get(targetId);
    if (!resource) {
      this.problem(
        logicalId,
        path,
        `${subject}: ${targetId} is not a resource of the template`,
        knownNames(targetId, [...this.resources.keys()]),
      );
      return;
    }
    if (resource.Type.startsWith("Custom::") || resource.Type === "AWS::CloudFormation::CustomResource") return;
    if (resource.Type === "AWS::CloudFormation::Stack" && attribute.startsWith("Outputs.")) return;
    const spec = resourceSpec(resource.Type);
    if (!spec || attribute in spec.attributes) return;
    const known = Object.keys(spec.attributes);
    this.problem(
      logicalId,
      path,
      `${subject}: ${resource.Type} has no attribute ${attribute}`,
      known.length > 0 ? knownNames(attribute, known) : "it has no attributes",
    );
  }

  private sub(argument: unknown, logicalId: string, path: string) {
    const parts = subParts(argument);
    if (!parts) {
      this.problem(logicalId, path, "malformed Fn::Sub", "a string, or [string, { variable: value }]");
      return;
    }
    for (const [name, value] of Object.entries(parts.variables)) this.walk(value, logicalId, `${path}[1].${name}`);
    const textPath = Array.isArray(argument) ? childPath(path, 0) : path;
    for (const variable of subVariables(parts.text)) {
      if (variable in parts.variables || isPseudoParameter(variable)) continue;
      if (FRAMEWORK_VARIABLE.test(`\${${variable}`)) {
        this.problem(
          logicalId,
          textPath,
          `unresolved Serverless variable \${${variable}} in Fn::Sub`,
          "a value the framework resolves",
        );
        continue;
      }
      const dot = variable.indexOf(".");
      if (dot > 0)
        this.attribute(
          variable.slice(0, dot),
          variable.slice(dot + 1),
          logicalId,
          textPath,
          `Fn::Sub variable \${${variable}}`,
        );
      else this.ref(variable, logicalId, textPath, `Fn::Sub variable \${${variable}}`);
    }
  }

  condition(name: unknown, logicalId: string, path: string) {
    if (typeof name !== "string") {
      this.problem(logicalId, path, "a condition is named by a string");
      return;
    }
    const conditions = Object.keys(this.template.Conditions ?? {});
    if (!conditions.includes(name))
      this.problem(logicalId, path, `no condition named ${name}`, knownNames(name, conditions));
  }

  dependsOn(value: unknown, logicalId: string) {
    if (value === undefined) return;
    const names = Array.isArray(value) ? value : [value];
    names.forEach((name, index) => {
      const path = Array.isArray(value) ? childPath("DependsOn", index) : "DependsOn";
      if (typeof name !== "string")
        this.problem(logicalId, path, "DependsOn names resources by logical id", "a string");
      else if (name === logicalId) this.problem(logicalId, path, "a resource cannot depend on itself");
      else if (!this.resources.has(name))
        this.problem(
          logicalId,
          path,
          `DependsOn: ${name} is not a resource of the template`,
          knownNames(name, [...this.resources.keys()]),
        );
    });
  }
}
