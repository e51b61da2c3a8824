/**
 * The daemon socket protocol: framing ({@link dev.larkhandoff.server.ipc.FrameDecoder}), the messages and their
 * conversation ({@link dev.larkhandoff.server.ipc.IpcMessage}, read and written only by
 * {@link dev.larkhandoff.server.ipc.IpcCodec}), one connection, the daemon's side
 * ({@link dev.larkhandoff.server.ipc.DaemonIpc}) and the proxy's side
 * ({@link dev.larkhandoff.server.ipc.DaemonClient}).
 *
 * <p>May import tool, session, config and hooks (whose handler the daemon's side calls). See docs/architecture.md for
 * the whole map; PackageRulesTest enforces it.
 */
package dev.larkhandoff.server.ipc;
