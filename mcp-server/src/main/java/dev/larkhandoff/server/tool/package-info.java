/**
 * The tool vocabulary every front and feature shares: a tool's spec, one call, its result (with the receipt that settles what a result handed over), the catalog that dispatches calls, and a call's cancellation.
 *
 * <p>Imports nothing of the server. See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.tool;
