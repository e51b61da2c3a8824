package dev.larkhandoff.emulator.ws;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * proto2 encoding of pbbp2 {@code Frame}, written directly with protobuf's coded streams. The four required
 * fields are always written, zeros included, because the official SDKs reject frames without them.
 */
public final class WireFrameCodec {

    private WireFrameCodec() {}

    public static byte[] encode(WireFrame f) {
        try {
            ByteArrayOutputStream bytes =
                    new ByteArrayOutputStream(64 + (f.payload() == null ? 0 : f.payload().length));
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            out.writeUInt64(1, f.seqId());
            out.writeUInt64(2, f.logId());
            out.writeInt32(3, f.service());
            out.writeInt32(4, f.method());
            for (String[] h : f.headers()) {
                ByteArrayOutputStream hb = new ByteArrayOutputStream();
                CodedOutputStream ho = CodedOutputStream.newInstance(hb);
                ho.writeString(1, h[0]);
                ho.writeString(2, h[1]);
                ho.flush();
                out.writeByteArray(5, hb.toByteArray());
            }
            if (f.payloadEncoding() != null) {
                out.writeString(6, f.payloadEncoding());
            }
            if (f.payloadType() != null) {
                out.writeString(7, f.payloadType());
            }
            if (f.payload() != null) {
                out.writeByteArray(8, f.payload());
            }
            if (f.logIdNew() != null) {
                out.writeString(9, f.logIdNew());
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("encoding to memory cannot fail", e);
        }
    }

    /** @throws IOException when the bytes are not a Frame or lack a required field */
    public static WireFrame decode(byte[] data) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(data);
        Long seq = null;
        Long log = null;
        Integer service = null;
        Integer method = null;
        List<String[]> headers = new ArrayList<>();
        String encoding = null;
        String type = null;
        byte[] payload = null;
        String logIdNew = null;
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                break;
            }
            switch (tag) {
                case 0x08 -> seq = in.readUInt64();
                case 0x10 -> log = in.readUInt64();
                case 0x18 -> service = in.readInt32();
                case 0x20 -> method = in.readInt32();
                case 0x2A -> headers.add(decodeHeader(in.readByteArray()));
                case 0x32 -> encoding = in.readString();
                case 0x3A -> type = in.readString();
                case 0x42 -> payload = in.readByteArray();
                case 0x4A -> logIdNew = in.readString();
                default -> in.skipField(tag);
            }
        }
        if (seq == null || log == null || service == null || method == null) {
            throw new IOException("Frame lacks a required field (SeqID, LogID, service, method)");
        }
        return new WireFrame(seq, log, service, method, headers, encoding, type, payload, logIdNew);
    }

    private static String[] decodeHeader(byte[] data) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(data);
        String key = null;
        String value = null;
        while (true) {
            int tag = in.readTag();
            if (tag == 0) {
                break;
            }
            if (tag == 0x0A) {
                key = in.readString();
            } else if (tag == 0x12) {
                value = in.readString();
            } else {
                in.skipField(tag);
            }
        }
        if (key == null || value == null) {
            throw new IOException("Header lacks key or value");
        }
        return new String[] {key, value};
    }
}
