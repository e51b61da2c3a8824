/**
 * The lark-handoff program: {@link dev.larkhandoff.server.ServerJson}, the one JSON mapper, here; every feature in a
 * subpackage, laid out in docs/architecture.md.
 */
package dev.larkhandoff.server;
