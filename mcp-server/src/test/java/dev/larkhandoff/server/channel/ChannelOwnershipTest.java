package dev.larkhandoff.server.channel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.server.session.LiveSession;
import dev.larkhandoff.server.session.LiveSessions;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.channel.OwnershipLogEntry;
import dev.larkhandoff.store.session.Role;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ownership rules of docs/channel-ownership.md, scenario by scenario, against a real store. */
class ChannelOwnershipTest {

    /** Sessions connected right now, as the daemon's registry would report them. */
    private static final class Registry implements LiveSessions {
        final Map<String, LiveSession> live = new LinkedHashMap<>();

        @Override
        public List<LiveSession> live() {
            return new ArrayList<>(live.values());
        }
    }

    @TempDir
    Path home;

    private Store store;
    private final Registry registry = new Registry();
    private final AtomicInteger replays = new AtomicInteger();
    private ChannelOwnership channel;

    @BeforeEach
    void open() {
        store = Store.open(home, Clock.systemUTC());
        channel = new ChannelOwnership(store.channel(), registry).onTargetChanged(replays::incrementAndGet);
    }

    @AfterEach
    void close() {
        store.close();
    }

    private LiveSession connect(String id, Role role, Map<String, String> metadata) {
        LiveSession s = new LiveSession(id, role, metadata, 1, "0.1.0");
        registry.live.put(id, s);
        channel.registered(s);
        return s;
    }

    private LiveSession dispatcher() {
        return connect("dispatcher-1", Role.DISPATCHER, Map.of());
    }

    private LiveSession teammate(String id) {
        return connect(id, Role.SESSION, Map.of());
    }

    private String target() {
        return channel.effectiveTarget().map(LiveSession::sessionId).orElse(null);
    }

    private static Map<String, Object> args(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void given_a_teammate_then_a_dispatcher_registers_then_the_dispatcher_is_the_default_owner() {
        teammate("tm-1");
        dispatcher();

        assertThat(target()).isEqualTo("dispatcher-1");
        assertThat(replays).hasValue(1);
    }

    @Test
    void given_a_grant_then_the_teammate_acquires_and_returns_it_to_the_dispatcher() {
        dispatcher();
        teammate("tm-1");

        assertThat(channel.grant("dispatcher-1", args("session_id", "tm-1"))).contains("tm-1");
        assertThat(channel.acquire("tm-1", args())).isEqualTo("Feishu channel owner is now tm-1 (session, epoch 2).");
        assertThat(target()).isEqualTo("tm-1");
        assertThat(channel.current().grantedSessionId())
                .as("an acquire uses the grant up")
                .isNull();
        assertThat(channel.returnToDispatcher("tm-1"))
                .isEqualTo("Feishu channel owner returned to dispatcher dispatcher-1 (epoch 3).");
        assertThat(target()).isEqualTo("dispatcher-1");
    }

    @Test
    void given_the_dispatcher_then_it_can_assign_a_live_teammate_directly() {
        dispatcher();
        teammate("tm-1");

        channel.acquire("dispatcher-1", args("session_id", "tm-1"));

        assertThat(target()).isEqualTo("tm-1");
    }

    @Test
    void given_no_grant_then_an_ordinary_session_cannot_acquire() {
        dispatcher();
        teammate("tm-1");

        assertThatThrownBy(() -> channel.acquire("tm-1", args()))
                .isInstanceOf(ChannelRefusal.class)
                .hasMessage("channel ownership was not granted by the dispatcher");
        assertThat(target()).isEqualTo("dispatcher-1");
    }

    @Test
    void given_a_grant_to_one_teammate_then_another_cannot_use_it() {
        dispatcher();
        teammate("tm-a");
        teammate("tm-b");
        channel.grant("dispatcher-1", args("session_id", "tm-a"));

        assertThatThrownBy(() -> channel.acquire("tm-b", args()))
                .hasMessage("channel ownership was not granted by the dispatcher");
        channel.grant("dispatcher-1", args("session_id", "tm-b"));
        assertThatThrownBy(() -> channel.acquire("tm-a", args()))
                .as("a new grant replaces the old")
                .hasMessage("channel ownership was not granted by the dispatcher");
    }

    @Test
    void given_ordinary_sessions_then_they_cannot_grant_or_assign_to_others() {
        dispatcher();
        teammate("tm-a");
        teammate("tm-b");

        assertThatThrownBy(() -> channel.grant("tm-a", args("session_id", "tm-b")))
                .hasMessage("only the dispatcher may grant channel ownership");
        assertThatThrownBy(() -> channel.acquire("tm-a", args("session_id", "tm-b")))
                .hasMessage("only the dispatcher may assign channel ownership to another session");
        assertThat(target()).isEqualTo("dispatcher-1");
    }

    @Test
    void given_the_owner_disconnects_then_inbound_waits_with_no_fallback_and_reclaim_recovers() {
        dispatcher();
        teammate("tm-1");
        channel.acquire("dispatcher-1", args("session_id", "tm-1"));

        registry.live.remove("tm-1");
        assertThat(target()).as("pending, not the dispatcher").isNull();

        assertThat(channel.reclaim("dispatcher-1")).contains("reclaimed").contains("dispatcher-1");
        assertThat(target()).isEqualTo("dispatcher-1");
    }

    @Test
    void given_ordinary_sessions_then_they_cannot_reclaim() {
        dispatcher();
        teammate("tm-a");
        teammate("tm-b");
        channel.acquire("dispatcher-1", args("session_id", "tm-a"));
        registry.live.remove("tm-a");

        assertThatThrownBy(() -> channel.reclaim("tm-b"))
                .hasMessage("only the dispatcher may reclaim channel ownership");
        assertThat(target()).isNull();
    }

    @Test
    void given_the_dispatcher_offline_then_return_fails_with_the_exact_string() {
        dispatcher();
        teammate("tm-1");
        channel.acquire("dispatcher-1", args("session_id", "tm-1"));
        registry.live.remove("dispatcher-1");

        assertThatThrownBy(() -> channel.returnToDispatcher("tm-1"))
                .hasMessage("no live dispatcher channel proxy is registered");
        assertThat(channel.current().ownerSessionId()).isEqualTo("tm-1");
    }

    @Test
    void given_a_non_owner_teammate_then_it_cannot_return_the_channel() {
        dispatcher();
        teammate("tm-1");
        teammate("tm-2");
        channel.acquire("dispatcher-1", args("session_id", "tm-1"));

        assertThatThrownBy(() -> channel.returnToDispatcher("tm-2"))
                .hasMessage("only the current owner may return the channel to dispatcher");
    }

    @Test
    void given_the_epoch_example_then_status_shows_lease_epoch_2_and_metadata_verbatim() {
        dispatcher();
        connect("tm-1", Role.SESSION, new LinkedHashMap<>(Map.of("teammate_name", "api-worker", "cwd", "/ws/api")));

        channel.acquire("dispatcher-1", args("session_id", "tm-1"));
        String status = channel.status(null, null);

        assertThat(status)
                .contains("\"lease_epoch\": 2")
                .contains("\"teammate_name\": \"api-worker\"")
                .contains("\"cwd\": \"/ws/api\"")
                .contains("\"effective_target_session_id\": \"tm-1\"")
                .doesNotContain("\"daemon\"");
        assertThat(channel.status(null, Map.of("version", "0.1.0", "pid", 4242)))
                .contains("\"daemon\": {")
                .contains("\"pid\": 4242");
    }

    @Test
    void given_metadata_selectors_then_one_match_is_taken_and_zero_or_two_are_errors_naming_the_match() {
        dispatcher();
        connect("tm-1", Role.SESSION, Map.of("teammate_name", "api-worker"));
        connect("tm-a", Role.SESSION, Map.of("teammate_name", "twin"));
        connect("tm-b", Role.SESSION, Map.of("teammate_name", "twin"));

        assertThat(channel.acquire("dispatcher-1", args("match", Map.of("teammate_name", "api-worker"))))
                .contains("tm-1");
        assertThatThrownBy(() -> channel.acquire("dispatcher-1", args("match", Map.of("teammate_name", "ghost"))))
                .hasMessage("no live channel proxy matching: {\"teammate_name\":\"ghost\"}");
        assertThatThrownBy(() -> channel.grant("dispatcher-1", args("match", Map.of("teammate_name", "twin"))))
                .hasMessage(
                        "ambiguous match: {\"teammate_name\":\"twin\"}; candidates: tm-a, tm-b; pass session_id to disambiguate");
        assertThat(target()).isEqualTo("tm-1");
    }

    @Test
    void given_a_grant_by_match_then_the_matched_teammate_acquires() {
        dispatcher();
        connect("tm-1", Role.SESSION, Map.of("teammate_name", "api-worker"));

        channel.grant("dispatcher-1", args("match", Map.of("teammate_name", "api-worker")));
        channel.acquire("tm-1", args());

        assertThat(target()).isEqualTo("tm-1");
    }

    @Test
    void given_invalid_selectors_then_each_is_an_error_and_never_a_silent_acquire_self() {
        dispatcher();
        teammate("tm-1");
        channel.grant("dispatcher-1", args("session_id", "tm-1"));

        for (Object bad : List.of(
                Map.of(),
                Map.of("teammate_name", 123),
                Map.of("teammate_name", "api-worker", "cwd", 123),
                List.of(),
                "api-worker")) {
            assertThatThrownBy(() -> channel.acquire("tm-1", args("match", bad)))
                    .as("match %s", bad)
                    .hasMessageContaining("match must be a non-empty object");
        }
        assertThatThrownBy(() -> channel.acquire("dispatcher-1", args("session_id", "tm-1", "match", Map.of("a", "b"))))
                .hasMessage("pass only one of session_id / match");
        assertThatThrownBy(() -> channel.grant("dispatcher-1", args())).hasMessage("session_id or match is required");
        assertThatThrownBy(() -> channel.grant("dispatcher-1", args("session_id", "dispatcher-1")))
                .hasMessage("dispatcher already owns the default channel target");
        assertThatThrownBy(() -> channel.acquire("dispatcher-1", args("session_id", "nobody")))
                .hasMessage("no live channel proxy session: nobody");
        assertThat(target()).isEqualTo("dispatcher-1");
    }

    @Test
    void given_an_unregistered_caller_then_every_changing_tool_refuses() {
        dispatcher();

        assertThatThrownBy(() -> channel.grant("ghost", args("session_id", "x")))
                .hasMessage("channel proxy is not registered");
        assertThatThrownBy(() -> channel.acquire("ghost", args())).hasMessage("channel proxy is not registered");
        assertThatThrownBy(() -> channel.returnToDispatcher("ghost")).hasMessage("channel proxy is not registered");
        assertThatThrownBy(() -> channel.reclaim(null)).hasMessage("channel proxy is not registered");
    }

    @Test
    void given_a_teammate_owner_when_the_dispatcher_re_registers_then_the_teammate_keeps_the_channel() {
        dispatcher();
        teammate("tm-1");
        channel.acquire("dispatcher-1", args("session_id", "tm-1"));

        connect("dispatcher-2", Role.DISPATCHER, Map.of());

        assertThat(channel.current().ownerSessionId()).isEqualTo("tm-1");
        assertThat(channel.current().dispatcherSessionId()).isEqualTo("dispatcher-2");
    }

    @Test
    void given_a_daemon_restart_then_owner_and_epoch_survive_and_the_audit_log_holds_every_change() {
        dispatcher();
        teammate("tm-1");
        channel.acquire("dispatcher-1", args("session_id", "tm-1"));
        store.close();

        store = Store.open(home, Clock.systemUTC());
        registry.live.clear();
        channel = new ChannelOwnership(store.channel(), registry).onTargetChanged(replays::incrementAndGet);
        dispatcher();
        teammate("tm-1");

        assertThat(channel.current().ownerSessionId()).isEqualTo("tm-1");
        assertThat(channel.current().leaseEpoch()).isEqualTo(2);
        assertThat(store.channel().log(10))
                .extracting(OwnershipLogEntry::action)
                .containsExactly("register", "acquire");
    }
}
