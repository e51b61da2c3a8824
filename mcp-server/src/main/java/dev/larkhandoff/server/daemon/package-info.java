/**
 * The composition root: assembles the store, the Lark connection, the features, the socket and the HTTP front into one daemon, and takes them down in order.
 *
 * <p>May import every feature package; only cli imports it. See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.daemon;
