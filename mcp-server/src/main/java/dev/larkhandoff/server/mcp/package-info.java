/**
 * The one place our tools become MCP SDK types: the server's name, instructions, capabilities and tool adapters.
 *
 * <p>May import tool, and the MCP SDK. See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.mcp;
