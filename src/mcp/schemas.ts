/**
 * Input and output schemas of every MCP tool. They are built from the server's limits (text size
 * is configurable) and are the single source for validation, the JSON Schema clients see, and
 * the README's tool reference.
 */
export * from './schemas/fields.js';
export * from './schemas/inputs.js';
export * from './schemas/outputs.js';
