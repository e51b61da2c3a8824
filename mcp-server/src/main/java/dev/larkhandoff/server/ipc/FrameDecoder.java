package dev.larkhandoff.server.ipc;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts the daemon socket's byte stream into frames: a 4-byte big-endian length, then that many bytes of JSON.
 * Bytes may arrive in any chunks (a frame split over reads, several frames in one read). A length above the
 * maximum is refused before anything is buffered, and a body's buffer grows as its bytes arrive, so a peer that
 * declares a large frame and sends little holds little memory.
 */
public final class FrameDecoder {

    /** Large enough for a tool result with a long history, small enough that no peer can exhaust memory. */
    public static final int DEFAULT_MAX_FRAME = 8 * 1024 * 1024;

    private static final int INITIAL_BODY = 4 * 1024;

    private final int maxFrame;
    private final ByteBuffer header = ByteBuffer.allocate(4);
    /** The body read so far, or null between frames. */
    private byte[] body;

    private int bodyLength;
    private int filled;

    public FrameDecoder(int maxFrame) {
        this.maxFrame = maxFrame;
    }

    /**
     * Consumes all of {@code chunk}.
     *
     * @return the frames completed by it, in order
     * @throws IpcProtocolException for a length that is negative or above the maximum
     */
    public List<byte[]> feed(ByteBuffer chunk) {
        List<byte[]> frames = new ArrayList<>();
        while (chunk.hasRemaining()) {
            if (body == null) {
                while (header.hasRemaining() && chunk.hasRemaining()) {
                    header.put(chunk.get());
                }
                if (header.hasRemaining()) {
                    break;
                }
                int length = header.flip().getInt();
                header.clear();
                if (length < 0 || length > maxFrame) {
                    throw new IpcProtocolException(
                            "frame of " + Integer.toUnsignedString(length) + " bytes exceeds the limit of " + maxFrame);
                }
                body = new byte[Math.min(length, INITIAL_BODY)];
                bodyLength = length;
                filled = 0;
            }
            int n = Math.min(bodyLength - filled, chunk.remaining());
            if (filled + n > body.length) {
                body = Arrays.copyOf(body, Math.min(bodyLength, Math.max(filled + n, 2 * body.length)));
            }
            chunk.get(body, filled, n);
            filled += n;
            if (filled == bodyLength) {
                frames.add(body);
                body = null;
            }
        }
        return frames;
    }

    /** True when no frame is partly read: the peer has sent whole frames only. */
    public boolean betweenFrames() {
        return body == null && header.position() == 0;
    }

    /** The bytes held for the frame being read (for tests of the memory a slow peer costs). */
    int bufferCapacity() {
        return body == null ? 0 : body.length;
    }

    /** One frame as written on the socket. */
    public static ByteBuffer encode(byte[] json, int maxFrame) {
        if (json.length > maxFrame) {
            throw new IpcProtocolException("frame of " + json.length + " bytes exceeds the limit of " + maxFrame);
        }
        ByteBuffer out = ByteBuffer.allocate(4 + json.length);
        out.putInt(json.length).put(json).flip();
        return out;
    }
}
