#!/usr/bin/env node
// The trace page is tested in headless Chromium: Debian's `chromium` package, driven by
// playwright-core (Playwright's own browser download cannot work without the internet). Run by
// `npm test` before Jest: installs the package when it is missing and apt-get can, else says why not.
const { existsSync } = require("node:fs");
const { spawnSync } = require("node:child_process");

const CHROMIUM = "/usr/bin/chromium";
if (existsSync(CHROMIUM)) process.exit(0);

const fail = (why) => {
  console.error(
    `Chromium is not installed at ${CHROMIUM}, and ${why}.\n` +
      "The trace page's browser test needs Debian's chromium package: install it (apt-get install -y chromium) and run the tests again.",
  );
  process.exit(1);
};

if (spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status !== 0)
  fail("this machine has no apt-get to install it with");
const root = typeof process.getuid === "function" && process.getuid() === 0;
const sudo = !root && spawnSync("sh", ["-c", "command -v sudo && sudo -n true"], { stdio: "ignore" }).status === 0;
if (!root && !sudo) fail("installing it needs root (or password-less sudo)");

console.log("Installing Debian's chromium package for the trace page's browser test…");
const prefix = root ? [] : ["sudo", "-n", "env", "DEBIAN_FRONTEND=noninteractive"];
const run = (args) => {
  const [command, ...rest] = [...prefix, ...args];
  const result = spawnSync(command, rest, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return result.status === 0;
};
if (!run(["apt-get", "update", "-qq"])) fail("apt-get update failed");
if (!run(["apt-get", "install", "-y", "-qq", "chromium"])) fail("apt-get install chromium failed");
if (!existsSync(CHROMIUM)) fail(`the chromium package did not provide ${CHROMIUM}`);
console.log(`Chromium installed: ${CHROMIUM}`);
