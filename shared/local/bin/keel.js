#!/usr/bin/env node

// The `keel` command: TypeScript sources run through tsx, under the project's Node 22.
require("tsx/cjs");
require("../src/cli/main.ts");
