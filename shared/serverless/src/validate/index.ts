/**
 * Validates packaged CloudFormation as AWS would at deploy time, offline: the template's frame,
 * resources against AWS's specification, references, state machines, event patterns, and the
 * wiring between the services.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { REPO_ROOT } from "../services";
import { checkNameConstraints } from "./constraints";
import { checkEventPatterns } from "./event-patterns";
import { checkReferences } from "./references";
import { type Problem, Reporter } from "./report";
import { checkResourceSpec } from "./resource-spec";
import { checkStateMachines } from "./state-machines";
import { checkFrame, type Template } from "./template";
import { type ComposeConfig, checkWiring, type ServiceTemplate } from "./wiring";

export { isFresh, type LoadOptions, loadPackaged, packageInMirror, readPackaged } from "./packaged";
export { type Check, formatProblem, type Problem } from "./report";
export { specLoadMs } from "./spec";
export type { Template } from "./template";
export { AWS_SERVICE_EVENTS, type ComposeConfig, type ServiceTemplate } from "./wiring";

/** Every problem of one service's template on its own. */
export function validateTemplate(service: string, template: Template): Problem[] {
  const report = new Reporter(service);
  checkFrame(template, report);
  checkResourceSpec(template, report);
  checkNameConstraints(template, report);
  checkReferences(template, report);
  checkStateMachines(template, report);
  checkEventPatterns(template, report);
  return report.problems;
}

/** Every problem of the services' templates, and of the wiring between them (packaged at one stage). */
export function validateServices(
  services: readonly ServiceTemplate[],
  compose: ComposeConfig = loadCompose(),
): Problem[] {
  return [
    ...services.flatMap((service) => validateTemplate(service.service, service.template)),
    ...checkWiring(services, compose),
  ];
}

export function loadCompose(path = join(REPO_ROOT, "serverless-compose.yml")): ComposeConfig {
  const parsed = parse(readFileSync(path, "utf8")) as Partial<ComposeConfig> | null;
  return { services: parsed?.services ?? {} };
}
