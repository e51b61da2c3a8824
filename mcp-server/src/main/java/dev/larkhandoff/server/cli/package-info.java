/**
 * The `lark-handoff` command line (picocli): daemon, stdio, hook, init, doctor, status, access, token, demo, version.
 *
 * <p>May import anything; nothing imports it. See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.cli;
