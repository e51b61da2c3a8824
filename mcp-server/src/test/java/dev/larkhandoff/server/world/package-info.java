/**
 * The daemon's tests' one world, {@link dev.larkhandoff.server.world.TestWorld}, built in levels over the shared
 * test support ({@code dev.larkhandoff.testing}): the emulator, a configured home, a store, an in-JVM daemon, and
 * child-process proxies ({@link dev.larkhandoff.server.world.AgentSession}, {@link dev.larkhandoff.server.world.RawStdio}).
 */
package dev.larkhandoff.server.world;
