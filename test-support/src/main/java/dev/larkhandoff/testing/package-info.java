/**
 * Test support shared by every module: {@link dev.larkhandoff.testing.TestClock} (the one clock tests move by hand),
 * {@link dev.larkhandoff.testing.Eventually} (the one wait for asynchronous outcomes) and
 * {@link dev.larkhandoff.testing.EmulatorExtension} (the bottom level of a test world: the emulator as Lark).
 */
package dev.larkhandoff.testing;
