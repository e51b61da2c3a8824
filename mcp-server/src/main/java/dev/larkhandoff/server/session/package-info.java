/**
 * The sessions connected to the daemon now: each session's link (a socket connection or an HTTP MCP session), the registry of live sessions, and the tool calls running on each link.
 *
 * <p>May import tool. See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.session;
