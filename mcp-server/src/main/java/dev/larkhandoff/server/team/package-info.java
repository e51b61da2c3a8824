/**
 * Several machines on one Lark app. Lark hands each event of an app to one of its open long connections, at random,
 * so two daemons with their own stores split a group's messages between them. This package notices that on a
 * daemon without a shared store ({@link dev.larkhandoff.server.team.OtherMachines}); see docs/team-mode.md. May
 * import the store, lark-client and {@code workspace}; nothing of MCP.
 */
package dev.larkhandoff.server.team;
