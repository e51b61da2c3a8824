package dev.larkhandoff.emulator.ws;

import java.util.ArrayList;
import java.util.List;

/** A pbbp2 {@code Frame} as the platform writes and reads it. */
public record WireFrame(
        long seqId,
        long logId,
        int service,
        int method,
        List<String[]> headers,
        String payloadEncoding,
        String payloadType,
        byte[] payload,
        String logIdNew) {

    public static final int CONTROL = 0;
    public static final int DATA = 1;

    public WireFrame {
        headers = List.copyOf(headers);
    }

    public String header(String key) {
        for (String[] h : headers) {
            if (h[0].equals(key)) {
                return h[1];
            }
        }
        return null;
    }

    public WireFrame withPayload(byte[] newPayload, List<String[]> newHeaders) {
        return new WireFrame(
                seqId, logId, service, method, newHeaders, payloadEncoding, payloadType, newPayload, logIdNew);
    }

    public static List<String[]> headers(String... keyValues) {
        List<String[]> out = new ArrayList<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            out.add(new String[] {keyValues[i], keyValues[i + 1]});
        }
        return out;
    }
}
