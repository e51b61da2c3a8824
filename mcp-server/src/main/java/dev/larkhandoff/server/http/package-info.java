/**
 * The daemon's HTTP front: Streamable HTTP and SSE MCP sessions, hook endpoints, the bearer token, body and rate limits, on loopback and on the home's Unix socket.
 *
 * <p>May import mcp, hooks, session and tool, and the MCP SDK and Jetty. See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.http;
