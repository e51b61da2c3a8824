/**
 * The tool vocabulary every front and feature shares: a tool's spec (its schema built by ToolSchema), one call (its
 * arguments read by ToolArgs), its result (with the receipt that settles what a result handed over), the catalog that
 * dispatches calls and maps what a tool throws to what the agent reads (ToolFailure), and a call's cancellation.
 *
 * <p>Imports nothing of the server (of lark-client only LarkException, which reads as the tool's failure). See
 * docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.tool;
