package dev.larkhandoff.server.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Stdout shared by the SDK's writer and our channel notifications: each thread's bytes are collected until a
 * newline and the whole line is written and flushed under one lock, so two writers can never interleave inside
 * a JSON-RPC line. {@link #writeLine} returns only after the line reached the stream, which is when a delivery
 * may be acknowledged.
 */
final class LineAtomicOutput extends OutputStream {

    private final OutputStream out;
    private final Object lock = new Object();
    private final ThreadLocal<ByteArrayOutputStream> pending = ThreadLocal.withInitial(ByteArrayOutputStream::new);
    private final LineWatcher watcher;

    /** Told of each line as its write starts, and then whether it reached the stream. */
    interface LineWatcher {
        /** What to do once the write of this line ended: given {@code true} if it reached the stream. */
        Consumer<Boolean> writing(byte[] line);
    }

    LineAtomicOutput(OutputStream out) {
        this(out, line -> reached -> {});
    }

    /**
     * @param watcher told of each line before it is written (a response claims its receipt there, so a cancel read
     *     after the client saw the line finds nothing to drop) and of the write's outcome
     */
    LineAtomicOutput(OutputStream out, LineWatcher watcher) {
        this.out = out;
        this.watcher = watcher;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        ByteArrayOutputStream buffer = pending.get();
        int start = off;
        for (int i = off; i < off + len; i++) {
            if (b[i] == '\n') {
                buffer.write(b, start, i + 1 - start);
                emit(buffer.toByteArray());
                buffer.reset();
                start = i + 1;
            }
        }
        buffer.write(b, start, off + len - start);
    }

    @Override
    public void flush() {
        // Lines are flushed as they complete; a partial line waits for its newline.
    }

    /** Writes one complete line (a newline is added) and flushes it. */
    void writeLine(String json) throws IOException {
        emit((json + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private void emit(byte[] line) throws IOException {
        Consumer<Boolean> outcome = watcher.writing(line);
        boolean reached = false;
        try {
            synchronized (lock) {
                out.write(line);
                out.flush();
            }
            reached = true;
        } finally {
            outcome.accept(reached);
        }
    }
}
