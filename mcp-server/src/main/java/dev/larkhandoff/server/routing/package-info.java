/**
 * Inbound messages after they are stored: recording Lark's events, routing each to its session (push or pull), the pull wait (wait_for_reply) and its leases.
 *
 * <p>May import channel, session and tool. See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.routing;
