export * from "./actions";
export * from "./conditions";
export * from "./evaluate";
export * from "./policy";
