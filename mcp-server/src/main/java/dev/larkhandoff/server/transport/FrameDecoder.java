package dev.larkhandoff.server.transport;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Cuts the daemon socket's byte stream into frames: a 4-byte big-endian length, then that many bytes of JSON.
 * Bytes may arrive in any chunks (a frame split over reads, several frames in one read). A length above the
 * maximum is refused before anything is buffered.
 */
public final class FrameDecoder {

    /** Large enough for a tool result with a long history, small enough that no peer can exhaust memory. */
    public static final int DEFAULT_MAX_FRAME = 8 * 1024 * 1024;

    private final int maxFrame;
    private final ByteBuffer header = ByteBuffer.allocate(4);
    private ByteBuffer body;

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
                    throw new IpcProtocolException("frame of " + Integer.toUnsignedString(length)
                            + " bytes exceeds the limit of " + maxFrame);
                }
                body = ByteBuffer.allocate(length);
            }
            int n = Math.min(body.remaining(), chunk.remaining());
            body.put(body.position(), chunk, chunk.position(), n);
            body.position(body.position() + n);
            chunk.position(chunk.position() + n);
            if (!body.hasRemaining()) {
                frames.add(body.array());
                body = null;
            }
        }
        return frames;
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
