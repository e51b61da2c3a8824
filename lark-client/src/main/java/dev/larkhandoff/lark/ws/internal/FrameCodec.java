package dev.larkhandoff.lark.ws.internal;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.CodedOutputStream;
import dev.larkhandoff.lark.ws.MalformedFrameException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * proto2 wire codec of {@link Frame}. Encoding always writes the four required fields, zeros included
 * (a proto3-style encoder that skips zeros breaks the official peers); decoding rejects frames without them.
 */
public final class FrameCodec {

    private static final int SEQ_ID = 1;
    private static final int LOG_ID = 2;
    private static final int SERVICE = 3;
    private static final int METHOD = 4;
    private static final int HEADERS = 5;
    private static final int PAYLOAD_ENCODING = 6;
    private static final int PAYLOAD_TYPE = 7;
    private static final int PAYLOAD = 8;
    private static final int LOG_ID_NEW = 9;

    private FrameCodec() {}

    public static byte[] encode(Frame frame) {
        try {
            ByteArrayOutputStream bytes =
                    new ByteArrayOutputStream(32 + (frame.payload() == null ? 0 : frame.payload().length));
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            out.writeUInt64(SEQ_ID, frame.seqId());
            out.writeUInt64(LOG_ID, frame.logId());
            out.writeInt32(SERVICE, frame.service());
            out.writeInt32(METHOD, frame.method());
            for (Frame.Header h : frame.headers()) {
                int size = CodedOutputStream.computeStringSize(1, h.key())
                        + CodedOutputStream.computeStringSize(2, h.value());
                out.writeTag(HEADERS, com.google.protobuf.WireFormat.WIRETYPE_LENGTH_DELIMITED);
                out.writeUInt32NoTag(size);
                out.writeString(1, h.key());
                out.writeString(2, h.value());
            }
            if (frame.payloadEncoding() != null) {
                out.writeString(PAYLOAD_ENCODING, frame.payloadEncoding());
            }
            if (frame.payloadType() != null) {
                out.writeString(PAYLOAD_TYPE, frame.payloadType());
            }
            if (frame.payload() != null) {
                out.writeByteArray(PAYLOAD, frame.payload());
            }
            if (frame.logIdNew() != null) {
                out.writeString(LOG_ID_NEW, frame.logIdNew());
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory cannot fail", e);
        }
    }

    /** @throws MalformedFrameException naming what is wrong */
    public static Frame decode(byte[] data) {
        try {
            CodedInputStream in = CodedInputStream.newInstance(data);
            Long seqId = null;
            Long logId = null;
            Integer service = null;
            Integer method = null;
            List<Frame.Header> headers = new ArrayList<>();
            String encoding = null;
            String type = null;
            byte[] payload = null;
            String logIdNew = null;
            for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
                switch (tag >>> 3) {
                    case SEQ_ID -> seqId = in.readUInt64();
                    case LOG_ID -> logId = in.readUInt64();
                    case SERVICE -> service = in.readInt32();
                    case METHOD -> method = in.readInt32();
                    case HEADERS -> headers.add(header(in.readByteArray()));
                    case PAYLOAD_ENCODING -> encoding = in.readString();
                    case PAYLOAD_TYPE -> type = in.readString();
                    case PAYLOAD -> payload = in.readByteArray();
                    case LOG_ID_NEW -> logIdNew = in.readString();
                    default -> in.skipField(tag);
                }
            }
            if (seqId == null || logId == null || service == null || method == null) {
                throw new MalformedFrameException("frame lacks a required field (SeqID, LogID, service or method)");
            }
            return new Frame(seqId, logId, service, method, headers, encoding, type, payload, logIdNew);
        } catch (IOException e) {
            throw new MalformedFrameException("frame is not a valid pbbp2 Frame: " + e.getMessage(), e);
        }
    }

    private static Frame.Header header(byte[] data) throws IOException {
        CodedInputStream in = CodedInputStream.newInstance(data);
        String key = null;
        String value = null;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            switch (tag >>> 3) {
                case 1 -> key = in.readString();
                case 2 -> value = in.readString();
                default -> in.skipField(tag);
            }
        }
        if (key == null || value == null) {
            throw new MalformedFrameException("frame header lacks key or value");
        }
        return new Frame.Header(key, value);
    }
}
