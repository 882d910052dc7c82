import type { ServiceRoute } from "../aws/protocol";
import type { StackDef } from "../config/model";

/**
 * The read side of CloudFormation's Query API (`ListStackResources`, `DescribeStacks`,
 * `DescribeStackResource`) for the stacks the local runtime runs: tools that look up a deployed
 * stack — `serverless invoke local` resolving `!Ref` environment values — find the local one.
 */
const escapeXml = (text: string) =>
  text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;").replaceAll('"', "&quot;");

const NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/";

function xml(action: string, result: string) {
  return `<${action}Response xmlns="${NS}"><${action}Result>${result}</${action}Result><ResponseMetadata><RequestId>${crypto.randomUUID()}</RequestId></ResponseMetadata></${action}Response>`;
}

function error(code: string, message: string) {
  return `<ErrorResponse xmlns="${NS}"><Error><Type>Sender</Type><Code>${code}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${crypto.randomUUID()}</RequestId></ErrorResponse>`;
}

export function cloudFormationRoute(stacks: readonly StackDef[], startedAt: Date): ServiceRoute {
  const find = (name: string | null) =>
    stacks.find((stack) => stack.stackName === name || name?.includes(`/${stack.stackName}/`));
  const time = startedAt.toISOString();
  return {
    handle(request, response, body) {
      const type = String(request.headers["content-type"] ?? "");
      if (request.method !== "POST" || !type.startsWith("application/x-www-form-urlencoded")) return false;
      const form = new URLSearchParams(body.toString("utf8"));
      const action = form.get("Action");
      if (form.get("Version") !== "2010-05-15" || !action) return false;
      const reply = (status: number, text: string) => {
        response.writeHead(status, { "content-type": "text/xml" });
        response.end(text);
        return true;
      };
      const stackName = form.get("StackName");
      const stack = find(stackName);
      if (!stack && action !== "DescribeStacks")
        return reply(400, error("ValidationError", `Stack with id ${stackName} does not exist`));
      switch (action) {
        case "ListStackResources": {
          const members = (stack as StackDef).resources
            .map(
              (resource) =>
                `<member><LogicalResourceId>${escapeXml(resource.logicalId)}</LogicalResourceId><PhysicalResourceId>${escapeXml(resource.physicalId)}</PhysicalResourceId><ResourceType>${escapeXml(resource.type)}</ResourceType><LastUpdatedTimestamp>${time}</LastUpdatedTimestamp><ResourceStatus>CREATE_COMPLETE</ResourceStatus></member>`,
            )
            .join("");
          return reply(200, xml(action, `<StackResourceSummaries>${members}</StackResourceSummaries>`));
        }
        case "DescribeStackResource": {
          const resource = (stack as StackDef).resources.find(
            (candidate) => candidate.logicalId === form.get("LogicalResourceId"),
          );
          if (!resource)
            return reply(
              400,
              error(
                "ValidationError",
                `Resource ${form.get("LogicalResourceId")} does not exist for stack ${stackName}`,
              ),
            );
          reply(
            200,
            xml(
              action,
              `<StackResourceDetail><StackName>${escapeXml((stack as StackDef).stackName)}</StackName><LogicalResourceId>${escapeXml(resource.logicalId)}</LogicalResourceId><PhysicalResourceId>${escapeXml(resource.physicalId)}</PhysicalResourceId><ResourceType>${escapeXml(resource.type)}</ResourceType><LastUpdatedTimestamp>${time}</LastUpdatedTimestamp><ResourceStatus>CREATE_COMPLETE</ResourceStatus></StackResourceDetail>`,
            ),
          );
          return true;
        }
        case "DescribeStacks": {
          const listed = stackName ? (stack ? [stack] : []) : stacks;
          if (stackName && !stack)
            return reply(400, error("ValidationError", `Stack with id ${stackName} does not exist`));
          const members = listed
            .map(
              (item) =>
                `<member><StackName>${escapeXml(item.stackName)}</StackName><StackId>arn:aws:cloudformation:us-east-1:000000000000:stack/${escapeXml(item.stackName)}/local</StackId><CreationTime>${time}</CreationTime><StackStatus>CREATE_COMPLETE</StackStatus><Outputs>${item.outputs
                  .map(
                    (output) =>
                      `<member><OutputKey>${escapeXml(output.key)}</OutputKey><OutputValue>${escapeXml(output.value)}</OutputValue></member>`,
                  )
                  .join("")}</Outputs></member>`,
            )
            .join("");
          return reply(200, xml(action, `<Stacks>${members}</Stacks>`));
        }
        default:
          return reply(
            400,
            error("InvalidAction", `CloudFormation action ${action} is not served by the Keel local runtime`),
          );
      }
    },
  };
}
