/**
 * The shared Lark channel: ownership (status, grant, acquire, return, reclaim) with its audit log, and the messaging tools (reply, react, edit_message).
 *
 * <p>May import session and tool. See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.channel;
