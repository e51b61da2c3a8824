package dev.larkhandoff.server.channel;

import dev.larkhandoff.server.session.LiveSession;
import dev.larkhandoff.server.session.LiveSessions;
import dev.larkhandoff.store.channel.ChannelState;
import dev.larkhandoff.store.channel.ChannelStateRepository;
import dev.larkhandoff.store.channel.OwnershipChange;
import dev.larkhandoff.store.channel.Transition;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Who receives inbound Lark messages: the ownership rules, texts and errors of docs/channel-ownership.md, with the
 * state persisted (a restart keeps the owner and never lowers the epoch) and every change in the audit log.
 * Knows nothing of MCP: tools call these methods and show the returned text, or the refusal's message.
 */
public final class ChannelOwnership {

    /** What status shows about a session beyond its registration (the daemon fills it from the store). */
    public record SessionFacts(boolean connected, String deliveryMode, long pending, Long lastSeenAt) {}

    private final ChannelStateRepository state;
    private final LiveSessions sessions;
    private volatile Runnable onTargetChanged = () -> {};

    public ChannelOwnership(ChannelStateRepository state, LiveSessions sessions) {
        this.state = state;
        this.sessions = sessions;
    }

    /**
     * Who is told after a change of owner or dispatcher, either of which can change where messages go (the inbound
     * pipeline routes pending messages again). Set at wiring, since the router itself reads ownership.
     */
    public ChannelOwnership onTargetChanged(Runnable listener) {
        this.onTargetChanged = listener;
        return this;
    }

    /**
     * A session registered. A dispatcher becomes the dispatcher, and the owner too when nobody owns the channel
     * or the previous dispatcher did; a teammate owner keeps it. Ordinary sessions change nothing.
     */
    public void registered(LiveSession session) {
        if (!session.isDispatcher()) {
            return;
        }
        Transition t =
                state.transition(new OwnershipChange("register", session.sessionId(), "dispatcher registered"), s -> {
                    boolean takeOwnership =
                            s.ownerSessionId() == null || s.ownerSessionId().equals(s.dispatcherSessionId());
                    ChannelState next = s.withDispatcher(session.sessionId());
                    return takeOwnership ? next.withOwner(session.sessionId()) : next;
                });
        afterTransition(t);
    }

    /** The dispatcher lets one session acquire next (a single slot: a new grant replaces the old). */
    public String grant(String callerId, Map<String, Object> args) {
        LiveSession caller = caller(callerId);
        if (!caller.isDispatcher()) {
            throw new ChannelRefusal("only the dispatcher may grant channel ownership");
        }
        Selector selector = Selector.parse(args);
        if (selector instanceof Selector.None) {
            throw new ChannelRefusal("session_id or match is required");
        }
        LiveSession target = Selector.resolve(selector, sessions);
        if (target.isDispatcher()) {
            throw new ChannelRefusal("dispatcher already owns the default channel target");
        }
        state.transition(
                new OwnershipChange("grant", callerId, "granted " + target.sessionId()),
                s -> s.withGranted(target.sessionId()));
        return "Feishu channel acquire grant issued to " + target.sessionId() + ".";
    }

    /**
     * Makes a session the owner: the dispatcher may name anyone live (itself included); a teammate may take it
     * only for itself and only with the dispatcher's grant.
     */
    public String acquire(String callerId, Map<String, Object> args) {
        LiveSession caller = caller(callerId);
        Selector selector = Selector.parse(args);
        LiveSession target = selector instanceof Selector.None ? caller : Selector.resolve(selector, sessions);
        if (!caller.isDispatcher() && !target.sessionId().equals(caller.sessionId())) {
            throw new ChannelRefusal("only the dispatcher may assign channel ownership to another session");
        }
        Transition t = state.transition(
                new OwnershipChange(
                        "acquire",
                        callerId,
                        caller.isDispatcher() ? "assigned by the dispatcher" : "acquired with the dispatcher's grant"),
                s -> {
                    if (!caller.isDispatcher() && !caller.sessionId().equals(s.grantedSessionId())) {
                        throw new ChannelRefusal("channel ownership was not granted by the dispatcher");
                    }
                    ChannelState next = s.withOwner(target.sessionId());
                    return target.sessionId().equals(s.grantedSessionId()) ? next.withGranted(null) : next;
                });
        afterTransition(t);
        return "Feishu channel owner is now " + target.sessionId() + " ("
                + target.role().column() + ", epoch " + t.after().leaseEpoch() + ").";
    }

    /** The owner (or the dispatcher) hands the channel back to the live dispatcher; the grant is cleared. */
    public String returnToDispatcher(String callerId) {
        LiveSession caller = caller(callerId);
        Transition t = state.transition(new OwnershipChange("return", callerId, "returned to the dispatcher"), s -> {
            if (!caller.isDispatcher() && !caller.sessionId().equals(s.ownerSessionId())) {
                throw new ChannelRefusal("only the current owner may return the channel to dispatcher");
            }
            LiveSession dispatcher = liveDispatcher(s);
            return s.withOwner(dispatcher.sessionId()).withGranted(null);
        });
        afterTransition(t);
        return "Feishu channel owner returned to dispatcher " + t.after().ownerSessionId() + " (epoch "
                + t.after().leaseEpoch() + ").";
    }

    /** Recovery: the dispatcher takes the channel back from an owner that is gone; the grant is cleared. */
    public String reclaim(String callerId) {
        LiveSession caller = caller(callerId);
        if (!caller.isDispatcher()) {
            throw new ChannelRefusal("only the dispatcher may reclaim channel ownership");
        }
        Transition t = state.transition(new OwnershipChange("reclaim", callerId, "reclaimed by the dispatcher"), s -> {
            LiveSession dispatcher = liveDispatcher(s);
            return s.withOwner(dispatcher.sessionId()).withGranted(null);
        });
        afterTransition(t);
        return "Feishu channel owner reclaimed by dispatcher " + t.after().ownerSessionId() + " (epoch "
                + t.after().leaseEpoch() + ").";
    }

    /**
     * The live session inbound messages go to now: the owner if it is connected; with no owner, the live
     * dispatcher; otherwise none, and messages wait. Never a fallback from an offline owner to the dispatcher.
     */
    public Optional<LiveSession> effectiveTarget() {
        return effectiveTarget(state.current());
    }

    private Optional<LiveSession> effectiveTarget(ChannelState s) {
        if (s.ownerSessionId() != null) {
            return sessions.find(s.ownerSessionId());
        }
        return s.dispatcherSessionId() == null ? Optional.empty() : sessions.find(s.dispatcherSessionId());
    }

    public ChannelState current() {
        return state.current();
    }

    /**
     * The status document: the state, the effective target, every live session with its metadata verbatim (and
     * the facts the daemon adds), and the daemon block when given.
     */
    public String status(Function<String, SessionFacts> facts, Map<String, Object> daemon) {
        return status(facts, List.of(), daemon);
    }

    /**
     * The status document with {@code offline}: sessions not connected now that still matter (they own, dispatch,
     * hold the grant, or have messages waiting), listed after the live ones under {@code offline_sessions}.
     */
    public String status(
            Function<String, SessionFacts> facts, List<Map<String, Object>> offline, Map<String, Object> daemon) {
        ChannelState s = state.current();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("owner_session_id", s.ownerSessionId());
        doc.put("dispatcher_session_id", s.dispatcherSessionId());
        doc.put("granted_session_id", s.grantedSessionId());
        doc.put(
                "effective_target_session_id",
                effectiveTarget(s).map(LiveSession::sessionId).orElse(null));
        doc.put("lease_epoch", s.leaseEpoch());
        List<Map<String, Object>> list = new ArrayList<>();
        for (LiveSession live : sessions.live()) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("sessionId", live.sessionId());
            entry.put("pid", live.pid());
            entry.put("proxyVersion", live.version());
            entry.put("role", live.role().column());
            entry.put("metadata", new LinkedHashMap<>(live.metadata()));
            SessionFacts f = facts == null ? null : facts.apply(live.sessionId());
            if (f != null) {
                entry.put("connected", f.connected());
                entry.put("delivery_mode", f.deliveryMode());
                entry.put("pending", f.pending());
                entry.put("last_seen_at", f.lastSeenAt());
            }
            list.add(entry);
        }
        doc.put("sessions", list);
        if (!offline.isEmpty()) {
            doc.put("offline_sessions", offline);
        }
        if (daemon != null) {
            doc.put("daemon", daemon);
        }
        return ChannelJson.pretty(doc);
    }

    private LiveSession caller(String callerId) {
        return callerId == null ? unregistered() : sessions.find(callerId).orElseGet(ChannelOwnership::unregistered);
    }

    private static LiveSession unregistered() {
        throw new ChannelRefusal("channel proxy is not registered");
    }

    private LiveSession liveDispatcher(ChannelState s) {
        return Optional.ofNullable(s.dispatcherSessionId())
                .flatMap(sessions::find)
                .filter(LiveSession::isDispatcher)
                .orElseThrow(() -> new ChannelRefusal("no live dispatcher channel proxy is registered"));
    }

    private void afterTransition(Transition t) {
        if (t.ownerChanged()
                || (t.changed()
                        && !Objects.equals(
                                t.before().dispatcherSessionId(), t.after().dispatcherSessionId()))) {
            onTargetChanged.run();
        }
    }
}
