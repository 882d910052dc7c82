/**
 * Writes the JSON Schema of every message version under `schemas/` and removes schemas of
 * versions the registry no longer lists. The test suite fails while these files are stale.
 */
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { dirname, join, relative } from "node:path";
import { allJsonSchemas, messageNames, NAMES_FILE, SCHEMA_DIR, serializeSchema } from "../src/json-schema";

const root = join(__dirname, "..", SCHEMA_DIR);

async function listJson(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? listJson(join(dir, entry.name)) : [join(dir, entry.name)])),
  );
  return nested.flat().filter((file) => file.endsWith(".json"));
}

async function main() {
  const schemas = allJsonSchemas();
  for (const [path, schema] of schemas) {
    const file = join(root, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, serializeSchema(schema));
  }
  const names = join(__dirname, "..", NAMES_FILE);
  await mkdir(dirname(names), { recursive: true });
  await writeFile(names, serializeSchema(messageNames()));
  const stale = (await listJson(root)).filter((file) => !schemas.has(relative(root, file)));
  await Promise.all(stale.map((file) => rm(file)));
  console.log(
    `wrote ${schemas.size} schemas to ${relative(process.cwd(), root)}${stale.length ? `, removed ${stale.length}` : ""}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
