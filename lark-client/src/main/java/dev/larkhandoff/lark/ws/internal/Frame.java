package dev.larkhandoff.lark.ws.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * A pbbp2 {@code Frame} of the long connection: control frames ({@code method} 0: ping, pong) and data frames
 * ({@code method} 1: events and their acks). Headers keep their order; keys may repeat.
 */
public record Frame(
        long seqId,
        long logId,
        int service,
        int method,
        List<Header> headers,
        String payloadEncoding,
        String payloadType,
        byte[] payload,
        String logIdNew) {

    public static final int CONTROL = 0;
    public static final int DATA = 1;

    /** One {@code key: value} header; both are required by the proto. */
    public record Header(String key, String value) {}

    public Frame {
        headers = List.copyOf(headers);
    }

    public String header(String key) {
        for (Header h : headers) {
            if (h.key().equals(key)) {
                return h.value();
            }
        }
        return null;
    }

    /** The client's ping: zero ids, the connection's service id, one {@code type=ping} header, no payload. */
    public static Frame ping(int serviceId) {
        return new Frame(0, 0, serviceId, CONTROL, List.of(new Header("type", "ping")), null, null, null, null);
    }

    /** The same frame on another connection's service id (an ack sent on the connection that replaced the first). */
    public Frame onService(int serviceId) {
        return new Frame(seqId, logId, serviceId, method, headers, payloadEncoding, payloadType, payload, logIdNew);
    }

    /** The ack of a data frame: the same frame with {@code biz_rt} added and the payload replaced. */
    public Frame ack(long bizRtMillis, byte[] ackPayload) {
        List<Header> withRt = new ArrayList<>(headers);
        withRt.add(new Header("biz_rt", String.valueOf(bizRtMillis)));
        return new Frame(seqId, logId, service, method, withRt, payloadEncoding, payloadType, ackPayload, logIdNew);
    }
}
