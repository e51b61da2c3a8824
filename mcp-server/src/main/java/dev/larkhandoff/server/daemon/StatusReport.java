package dev.larkhandoff.server.daemon;

import dev.larkhandoff.lark.ws.LongConnection;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.channel.ChannelOwnership;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.http.HttpFront;
import dev.larkhandoff.server.routing.StalePending;
import dev.larkhandoff.server.session.SessionRegistry;
import dev.larkhandoff.server.team.OtherMachines;
import dev.larkhandoff.server.team.TeamPresence;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.handoff.Binding;
import dev.larkhandoff.store.inbox.InboxRow;
import dev.larkhandoff.store.session.SessionRecord;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The facts behind {@code feishu_channel_status} that only the daemon knows: each session's liveness, mode and
 * pending count, the offline sessions that still matter, and the daemon block (version, Lark connection, store,
 * pending, HTTP front).
 */
final class StatusReport {

    /** The parts of a running daemon that come and go while it runs. */
    record Live(
            Supplier<LongConnection> connection,
            Supplier<Optional<Instant>> lastEventAt,
            Supplier<StoreWatch> storeWatch,
            Supplier<HttpFront> httpFront,
            OtherMachines otherMachines,
            TeamPresence team,
            java.util.function.LongSupplier reactionsDropped) {}

    /** The pending rows as one status document sees them: read once, counted three ways. */
    private record PendingSnapshot(Map<String, Long> bySession, int total, long stale) {}

    private final DaemonOptions options;
    private final Store store;
    private final SessionRegistry registry;
    private final ChannelOwnership ownership;
    private final Instant startedAt;
    private final Live live;

    StatusReport(
            DaemonOptions options,
            Store store,
            SessionRegistry registry,
            ChannelOwnership ownership,
            Instant startedAt,
            Live live) {
        this.options = options;
        this.store = store;
        this.registry = registry;
        this.ownership = ownership;
        this.startedAt = startedAt;
        this.live = live;
    }

    /** Everything one status document needs from the daemon, from one read of the pending rows. */
    OwnershipTools.StatusParts parts() {
        PendingSnapshot pending = pendingSnapshot();
        return new OwnershipTools.StatusParts(
                facts(pending.bySession()), offlineSessions(pending.bySession()), daemonBlock(pending));
    }

    private Function<String, ChannelOwnership.SessionFacts> facts(Map<String, Long> pending) {
        return sessionId -> {
            var entry = registry.entry(sessionId);
            Optional<SessionRecord> record = store.sessions().find(sessionId);
            String mode = entry.map(e -> e.deliveryMode().column())
                    .orElse(record.map(r -> r.deliveryMode().column()).orElse(null));
            return new ChannelOwnership.SessionFacts(
                    entry.isPresent(),
                    mode,
                    pending.getOrDefault(sessionId, 0L),
                    record.map(SessionRecord::lastSeenAt).orElse(null));
        };
    }

    /** Sessions not connected that still matter: they own, dispatch or hold the grant, or messages wait for them. */
    private List<Map<String, Object>> offlineSessions(Map<String, Long> pendingBy) {
        var state = ownership.current();
        Set<String> named = new HashSet<>();
        Collections.addAll(named, state.ownerSessionId(), state.dispatcherSessionId(), state.grantedSessionId());
        List<Map<String, Object>> out = new ArrayList<>();
        for (SessionRecord r : store.sessions().all()) {
            if (registry.entry(r.sessionId()).isPresent()
                    || !(named.contains(r.sessionId()) || pendingBy.containsKey(r.sessionId()))) {
                continue;
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("sessionId", r.sessionId());
            e.put("role", r.role().column());
            e.put("metadata", ServerJson.mapper().readValue(r.metadataJson(), Map.class));
            e.put("connected", false);
            e.put("delivery_mode", r.deliveryMode().column());
            e.put("pending", pendingBy.getOrDefault(r.sessionId(), 0L));
            e.put("last_seen_at", r.lastSeenAt());
            out.add(e);
        }
        return out;
    }

    /**
     * Pending events by the session they wait for: the session bound to their chat, else the one they were
     * routed to, else the channel's owner (rows for an offline owner are not routed yet).
     */
    private PendingSnapshot pendingSnapshot() {
        String owner = ownership.current().ownerSessionId();
        Map<String, Optional<Binding>> bindingOf = new HashMap<>();
        Map<String, Long> out = new HashMap<>();
        List<InboxRow> rows = store.inbox().pending();
        rows.forEach(r -> {
            var e = r.event();
            String session = e.chatId() == null
                    ? null
                    : bindingOf
                            .computeIfAbsent(e.chatId(), store.bindings()::find)
                            .map(Binding::sessionId)
                            .orElse(null);
            if (session == null) {
                session = e.targetSessionId() != null ? e.targetSessionId() : owner;
            }
            if (session != null) {
                out.merge(session, 1L, Long::sum);
            }
        });
        return new PendingSnapshot(
                out, rows.size(), StalePending.count(rows, store.bindings().all(), options.clock()));
    }

    /** The daemon block of the status document. */
    private Map<String, Object> daemonBlock(PendingSnapshot pending) {
        Map<String, Object> block = new LinkedHashMap<>();
        block.put("version", options.version());
        block.put("pid", ProcessHandle.current().pid());
        block.put("started_at", startedAt.toString());
        block.put("home", options.config().home().toString());
        block.put("machine", options.machine());
        LongConnection connection = live.connection().get();
        block.put(
                "lark_connection",
                connection == null
                        ? "not configured"
                        : connection.state().name().toLowerCase());
        block.put(
                "last_event_at", live.lastEventAt().get().map(Instant::toString).orElse(null));
        block.put("pending", pending.total());
        block.put("running_calls", registry.calls().size());
        block.put("pending_over_10_min", pending.stale());
        // Dropped rather than queued ahead of replies when messages outrun their share of the app's rate limit.
        block.put("received_reactions_dropped", live.reactionsDropped().getAsLong());
        StoreWatch watch = live.storeWatch().get();
        if (watch != null) {
            block.put("store", watch.status());
        }
        HttpFront front = live.httpFront().get();
        block.put("http_url", front == null ? null : front.url());
        if (store.isShared()) {
            block.put("store_url", store.location().toString());
            block.put("daemon_id", live.team().identity().daemonId());
            block.put(
                    "team",
                    live.team().alive().stream()
                            .map(d -> {
                                Map<String, Object> m = new LinkedHashMap<>();
                                m.put("machine", d.machine());
                                m.put("daemon_id", d.daemonId());
                                m.put("pid", d.pid());
                                m.put("version", d.version());
                                m.put(
                                        "last_heartbeat_at",
                                        Instant.ofEpochMilli(d.heartbeatAt()).toString());
                                m.put("lark_connection", d.larkConnection());
                                return m;
                            })
                            .toList());
        }
        live.otherMachines().advice().ifPresent(advice -> {
            block.put(
                    "other_machines",
                    live.otherMachines().seen().stream()
                            .map(m -> Map.of(
                                    "machine",
                                    m.machine(),
                                    "group",
                                    m.chatName(),
                                    "first_seen",
                                    m.firstSeen().toString()))
                            .toList());
            block.put("team_warning", advice);
        });
        return block;
    }
}
