/**
 * `npm run package`: packages every service offline (per service: compose needs deployed
 * outputs), two at a time, into each service's `.serverless` folder.
 * Usage: package-all [--stage <stage>] [service...]
 */
import { listServices, packageService } from "../src";

async function main() {
  const args = process.argv.slice(2);
  const stageAt = args.indexOf("--stage");
  const stage = stageAt >= 0 ? args[stageAt + 1] : "dev";
  if (stageAt >= 0 && !stage) throw new Error("--stage needs a value");
  const requested = args.filter((_arg, index) => stageAt < 0 || (index !== stageAt && index !== stageAt + 1));
  const all = listServices();
  const unknown = requested.filter((name) => !all.includes(name));
  if (unknown.length > 0) throw new Error(`unknown service(s): ${unknown.join(", ")} (known: ${all.join(", ")})`);
  const services = requested.length > 0 ? requested : all;

  const queue = [...services];
  const failures: string[] = [];
  let done = 0;
  const worker = async () => {
    for (let service = queue.shift(); service; service = queue.shift()) {
      try {
        const result = await packageService(service, { stage });
        const resources = Object.keys(result.template.Resources).length;
        done += 1;
        console.log(`[${done}/${services.length}] ${service}: ${resources} resources (${result.durationMs} ms)`);
      } catch (error) {
        done += 1;
        failures.push(service);
        console.error(`[${done}/${services.length}] ${service}: FAILED\n${(error as Error).message}`);
      }
    }
  };
  await Promise.all([worker(), worker()]);
  if (failures.length > 0) {
    console.error(`packaging failed for ${failures.join(", ")}`);
    process.exit(1);
  }
  console.log(`packaged ${services.length} service(s) for stage ${stage}`);
}

main().catch((error) => {
  console.error((error as Error).message);
  process.exit(1);
});
