/**
 * The handoff loop: starting and ending a handoff, waiting for and filtering replies, cards, media, relays and the handoff tools.
 *
 * <p>May import workspace, channel, routing and tool. See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.handoff;
