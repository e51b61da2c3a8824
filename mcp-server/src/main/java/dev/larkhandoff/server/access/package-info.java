/**
 * Who may reach the agents through the channel: access.json (allowlist, DM and group policies, pairing) and the verdict on each inbound message.
 *
 * <p>May import routing (the verdict type) and the vocabulary packages. See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.access;
