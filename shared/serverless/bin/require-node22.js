// Every npm script runs with node_modules/.bin first on PATH, where the `node` devDependency puts
// Node 22 (Lambda's nodejs22.x). Fail early and clearly if some other Node is running them.
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  console.error(
    `Keel needs Node 22 or later and found ${process.version} at ${process.execPath}.\n` +
      "Run `npm install` first: it installs Node 22 into node_modules/.bin, which npm scripts put first on PATH.",
  );
  process.exit(1);
}
