/**
 * Configuration: the environment variables (read in one place), the home's config.json, and who a session is (id, role, metadata, delivery mode).
 *
 * <p>Imports nothing of the server. See docs/architecture.md for the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.config;
