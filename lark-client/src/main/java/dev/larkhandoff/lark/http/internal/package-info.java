/**
 * The REST client's internals: the token bucket behind the send limiter. Nothing outside lark-client may import it
 * (the server's PackageRulesTest checks).
 */
package dev.larkhandoff.lark.http.internal;
