/**
 * The server's name and version, apart from the MCP server module so that `ringmem --version` and
 * `--help` do not load the MCP SDK, zod and every tool to print one string.
 */
export const SERVER_NAME = 'ringmem';
export const SERVER_VERSION = '0.1.0';
