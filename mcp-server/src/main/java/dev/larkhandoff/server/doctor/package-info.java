/**
 * The checks behind `lark-handoff doctor`: configuration, Lark, the operator, access.json, the store and the daemon.
 *
 * <p>May import ipc, channel, routing, access, config and tool. See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.doctor;
