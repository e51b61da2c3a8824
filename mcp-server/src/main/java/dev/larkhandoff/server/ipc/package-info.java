/**
 * The daemon socket protocol: framing, one connection, the daemon's side (greeting, registration, tool calls, hooks, acknowledgements) and the proxy's side.
 *
 * <p>May import tool, session, config and hooks (whose handler the daemon's side calls). See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.ipc;
