/**
 * The stdio relay an agent launches: finds or starts the daemon, passes the agent's MCP lines to the session the daemon
 * hosts for it and writes the daemon's lines to stdout, which carries JSON-RPC only.
 *
 * <p>May import ipc and config, never the MCP SDK. See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.proxy;
