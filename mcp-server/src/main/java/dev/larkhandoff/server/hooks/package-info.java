/**
 * Claude Code and OpenCode hooks: the permission bridge to Lark, tool-output forwarding, Stop, and the hook handler every entry point calls.
 *
 * <p>May import handoff, workspace, routing and config. See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.hooks;
