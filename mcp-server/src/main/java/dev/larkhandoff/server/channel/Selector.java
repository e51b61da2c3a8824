package dev.larkhandoff.server.channel;

import dev.larkhandoff.server.session.LiveSession;
import dev.larkhandoff.server.session.LiveSessions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Which session an ownership tool names: none, an explicit {@code session_id}, or a {@code match} on metadata
 * (every given key equal). A malformed {@code match} is an error, never a silent "myself".
 */
public sealed interface Selector {

    /** No selector given. */
    record None() implements Selector {}

    record BySessionId(String sessionId) implements Selector {}

    record ByMatch(Map<String, String> match) implements Selector {}

    /**
     * Reads the tool arguments.
     *
     * @throws ChannelRefusal when both selectors are given, or the match is malformed
     */
    static Selector parse(Map<String, Object> args) {
        Object sessionId = args == null ? null : args.get("session_id");
        boolean hasMatch = args != null && args.containsKey("match") && args.get("match") != null;
        if (sessionId != null && hasMatch) {
            throw new ChannelRefusal("pass only one of session_id / match");
        }
        if (sessionId != null) {
            if (!(sessionId instanceof String s) || s.isBlank()) {
                throw new ChannelRefusal("session_id must be a non-empty string");
            }
            return new BySessionId(s);
        }
        if (!hasMatch) {
            return new None();
        }
        if (!(args.get("match") instanceof Map<?, ?> raw) || raw.isEmpty()) {
            throw new ChannelRefusal("match must be a non-empty object whose values are all strings");
        }
        Map<String, String> match = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : raw.entrySet()) {
            if (!(e.getKey() instanceof String key) || !(e.getValue() instanceof String value)) {
                throw new ChannelRefusal("match must be a non-empty object whose values are all strings");
            }
            match.put(key, value);
        }
        return new ByMatch(match);
    }

    /**
     * The one live session this selector names.
     *
     * @throws ChannelRefusal when it names none or several (the candidates listed)
     */
    static LiveSession resolve(Selector selector, LiveSessions sessions) {
        if (selector instanceof BySessionId byId) {
            return sessions.find(byId.sessionId())
                    .orElseThrow(() -> new ChannelRefusal("no live channel proxy session: " + byId.sessionId()));
        }
        if (selector instanceof ByMatch byMatch) {
            List<LiveSession> candidates = new ArrayList<>();
            for (LiveSession s : sessions.live()) {
                if (byMatch.match().entrySet().stream()
                        .allMatch(e -> e.getValue().equals(s.metadata().get(e.getKey())))) {
                    candidates.add(s);
                }
            }
            String json = ChannelJson.compact(byMatch.match());
            if (candidates.isEmpty()) {
                throw new ChannelRefusal("no live channel proxy matching: " + json);
            }
            if (candidates.size() > 1) {
                throw new ChannelRefusal("ambiguous match: " + json + "; candidates: "
                        + candidates.stream().map(LiveSession::sessionId).collect(Collectors.joining(", "))
                        + "; pass session_id to disambiguate");
            }
            return candidates.get(0);
        }
        throw new IllegalArgumentException("no selector to resolve");
    }
}
