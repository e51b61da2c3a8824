package dev.larkhandoff.server.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

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
    private final java.util.function.Consumer<byte[]> afterLine;

    LineAtomicOutput(OutputStream out) {
        this(out, line -> {});
    }

    /** @param afterLine told of each line once it reached the stream (a response written settles its receipt) */
    LineAtomicOutput(OutputStream out, java.util.function.Consumer<byte[]> afterLine) {
        this.out = out;
        this.afterLine = afterLine;
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
        emit((json + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private void emit(byte[] line) throws IOException {
        synchronized (lock) {
            out.write(line);
            out.flush();
        }
        afterLine.accept(line);
    }
}
