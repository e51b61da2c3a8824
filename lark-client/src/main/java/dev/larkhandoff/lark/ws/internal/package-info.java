/**
 * The long connection's wire internals: the pbbp2 frame, its codec and the assembler of fragmented payloads. Used by
 * {@code LongConnection} only; nothing outside lark-client may import them (the server's PackageRulesTest checks).
 */
package dev.larkhandoff.lark.ws.internal;
