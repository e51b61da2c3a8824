package dev.larkhandoff.server.ipc;

import dev.larkhandoff.server.session.Delivery;
import dev.larkhandoff.server.session.SessionLink;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One peer on the daemon socket: a reader thread that turns frames into {@link IpcMessage}s for the handler, a
 * writer that is safe from any thread, and a close that fires once. Bad framing, bad JSON or a message without a
 * type closes this connection only.
 */
public final class IpcConnection implements SessionLink, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(IpcConnection.class);

    private final SocketChannel channel;
    private final String name;
    private final int maxFrame;
    private final AtomicBoolean closed = new AtomicBoolean();
    private volatile Consumer<IpcConnection> onClose = c -> {};
    private Thread reader;
    /** Since when (System.nanoTime) a whole frame is owed: from connecting, or from a frame's first byte. */
    private volatile long owingSince;

    private volatile boolean owing = true;

    public IpcConnection(SocketChannel channel, String name, int maxFrame) {
        this.channel = channel;
        this.name = name;
        this.maxFrame = maxFrame;
        this.owingSince = System.nanoTime();
    }

    /** How long the peer has owed a whole frame (never sent one, or is midway through one); empty between frames. */
    Optional<Duration> owingFrameFor(long nowNanos) {
        return owing ? Optional.of(Duration.ofNanos(nowNanos - owingSince)) : Optional.empty();
    }

    /** Starts reading; every message goes to {@code handler} on the reader thread, in order. */
    public IpcConnection start(Consumer<IpcMessage> handler, Consumer<IpcConnection> closeHandler) {
        this.onClose = closeHandler;
        reader = new Thread(() -> readLoop(handler), "ipc-" + name);
        reader.setDaemon(true);
        reader.start();
        return this;
    }

    private void readLoop(Consumer<IpcMessage> handler) {
        FrameDecoder decoder = new FrameDecoder(maxFrame);
        ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
        try {
            while (!closed.get()) {
                buffer.clear();
                if (channel.read(buffer) < 0) {
                    break;
                }
                buffer.flip();
                List<byte[]> frames = decoder.feed(buffer);
                if (decoder.betweenFrames()) {
                    owing = owing && frames.isEmpty();
                } else if (!frames.isEmpty() || !owing) {
                    owingSince = System.nanoTime();
                    owing = true;
                }
                for (byte[] frame : frames) {
                    handler.accept(IpcCodec.fromBytes(frame));
                }
            }
        } catch (IpcProtocolException e) {
            log.warn("closing {}: {}", name, e.getMessage());
        } catch (IOException e) {
            if (!closed.get()) {
                log.debug("{} read failed: {}", name, e.toString());
            }
        } catch (RuntimeException e) {
            log.error("closing {}: message handler failed", name, e);
        } finally {
            close();
        }
    }

    /** How a send ended. */
    public enum Sent {
        SENT,
        /** The message is over the frame limit: nothing was written and the connection stays open. */
        TOO_LARGE,
        /** The connection is closed, or the write failed (then it is closed now). */
        CLOSED
    }

    /** Pushes one inbound event to the session on this connection ({@link IpcMessage.Deliver}). */
    @Override
    public boolean deliver(Delivery delivery) {
        return send(new IpcMessage.Deliver(delivery));
    }

    /** Sends one message; false when it was not sent (see {@link #trySend}). */
    public boolean send(IpcMessage message) {
        Sent sent = trySend(message);
        if (sent == Sent.TOO_LARGE) {
            log.warn("{}: a {} message over the frame limit was not sent", name, message.type());
        }
        return sent == Sent.SENT;
    }

    /** Sends one message, saying why when it was not sent. Safe from any thread. */
    public Sent trySend(IpcMessage message) {
        if (closed.get()) {
            return Sent.CLOSED;
        }
        byte[] json = IpcCodec.toBytes(message);
        if (json.length > maxFrame) {
            return Sent.TOO_LARGE;
        }
        ByteBuffer frame = FrameDecoder.encode(json, maxFrame);
        synchronized (channel) {
            try {
                while (frame.hasRemaining()) {
                    channel.write(frame);
                }
                return Sent.SENT;
            } catch (IOException e) {
                log.debug("{} write failed: {}", name, e.toString());
                close();
                return Sent.CLOSED;
            }
        }
    }

    @Override
    public boolean isOpen() {
        return !closed.get();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already gone
            }
            onClose.accept(this);
        }
    }
}
