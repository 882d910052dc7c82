import type { Config } from "jest";

// Middy 7 ships ESM only; swc compiles it (and our TypeScript) to CommonJS for Jest.
const config: Config = {
  testEnvironment: "node",
  roots: ["<rootDir>/shared", "<rootDir>/services"],
  testMatch: ["**/test/**/*.test.ts"],
  transform: { "^.+\\.(t|j)sx?$": ["@swc/jest", { jsc: { target: "es2023" } }] },
  transformIgnorePatterns: ["/node_modules/(?!(@middy|jose)/)"],
  moduleNameMapper: { "^@middy/([^/]+)$": "<rootDir>/node_modules/@middy/$1/index.js" },
  modulePathIgnorePatterns: [
    "<rootDir>/services/.*/\\.serverless/",
    "<rootDir>/services/.*/\\.esbuild/",
    "<rootDir>/\\.keel/",
  ],
  setupFiles: ["<rootDir>/shared/runtime/test/setup-env.ts"],
  testTimeout: 30_000,
};

export default config;
