/**
 * The stdio proxy an agent launches: finds or starts the daemon, forwards tool calls, writes channel notifications, and keeps stdout to JSON-RPC only.
 *
 * <p>May import ipc, mcp, config, session (the delivery a proxy writes) and tool. See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.proxy;
