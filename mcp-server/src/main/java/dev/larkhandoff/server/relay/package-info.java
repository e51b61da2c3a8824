/**
 * The MCP sessions the daemon hosts for stdio relays: one MCP SDK server session per relay connection, fed with the
 * agent's lines and writing its own back through the relay, with the same tools and capabilities as every front.
 *
 * <p>May import ipc, mcp, session and tool. See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.relay;
