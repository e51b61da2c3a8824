/**
 * Handoff groups in Lark: finding, creating, naming, taking over and dissolving them, their pinned config card, members and chat tabs.
 *
 * <p>Imports nothing of the server's features. See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.workspace;
