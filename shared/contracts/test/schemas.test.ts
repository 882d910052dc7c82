import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { allJsonSchemas, messageNames, NAMES_FILE, SCHEMA_DIR, serializeSchema } from "../src/json-schema";

const root = join(__dirname, "..", SCHEMA_DIR);
const REGENERATE = "run `npm run schemas -w @keel/contracts` and commit the result";

function committed(): string[] {
  return readdirSync(root, { recursive: true, encoding: "utf8" })
    .filter((file) => file.endsWith(".json"))
    .map((file) => relative(root, join(root, file)));
}

describe("generated JSON Schemas", () => {
  const generated = allJsonSchemas();

  it("exist for every message version and for nothing else", () => {
    expect({ files: committed().sort(), hint: REGENERATE }).toEqual({
      files: [...generated.keys()].sort(),
      hint: REGENERATE,
    });
  });

  it.each([...generated.keys()])("%s is up to date", (path) => {
    const onDisk = readFileSync(join(root, path), "utf8");
    expect({ schema: onDisk, hint: REGENERATE }).toEqual({
      schema: serializeSchema(generated.get(path) as Record<string, unknown>),
      hint: REGENERATE,
    });
  });

  it("and the message names for serverless.yml are up to date", () => {
    const onDisk = readFileSync(join(__dirname, "..", NAMES_FILE), "utf8");
    expect({ names: onDisk, hint: REGENERATE }).toEqual({ names: serializeSchema(messageNames()), hint: REGENERATE });
  });

  it("carry the data classification of tagged fields", () => {
    const schema = generated.get("CreateOrder/1.0.json") as {
      properties: { data: { properties: Record<string, Record<string, unknown>> } };
    };
    expect(schema.properties.data.properties.paymentMethodToken).toMatchObject({ "x-classification": "secret" });
  });
});
