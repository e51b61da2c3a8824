package dev.larkhandoff.server.scenario;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.channel.OwnershipTools;
import dev.larkhandoff.server.handoff.HandoffTools;
import dev.larkhandoff.server.routing.DeliveryTools;
import dev.larkhandoff.server.world.AgentSession;
import dev.larkhandoff.server.world.ChildJvm;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.StoreLocation;
import dev.larkhandoff.store.TestPostgres;
import dev.larkhandoff.store.channel.OwnershipLogEntry;
import dev.larkhandoff.testing.Eventually;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Team mode as two machines live it: two homes (laptop "alpha", devbox "beta") configured for one Lark app and one
 * shared PostgreSQL store, each with its own daemon and long connection, while the emulator hands each event to one
 * of the app's connections at random, as Lark does.
 */
@ExtendWith(TestPostgres.class)
class TeamModeScenarioTest {

    @RegisterExtension
    final TestWorld world = Scenarios.world();

    @TempDir
    Path betaHome;

    private Path alphaHome;
    private StoreLocation.Postgres db;
    private final List<AgentSession> sessions = new ArrayList<>();
    private final Map<String, EmulatorControl.Sent> sent = new ConcurrentHashMap<>();

    @BeforeEach
    void twoMachinesOneStore() throws IOException {
        alphaHome = world.home();
        db = TestPostgres.newDatabase();
        String url = db.urlWithPassword();
        ObjectNode config =
                (ObjectNode) ServerJson.mapper().readTree(Files.readString(alphaHome.resolve("config.json")));
        config.put("store_url", url);
        for (Path home : List.of(alphaHome, betaHome)) {
            Files.writeString(home.resolve("config.json"), ServerJson.mapper().writeValueAsString(config));
        }
        // Who may talk to the agents: the same rules on both machines (the operator, the group).
        Files.copy(alphaHome.resolve("access.json"), betaHome.resolve("access.json"));
    }

    /** A dispatcher on beta, and an agent on alpha in a handoff; both daemons in the team. */
    private record Team(AgentSession onBeta, AgentSession agent, String chat) {}

    private Team handoffOnAlpha() {
        AgentSession onBeta = session(betaHome, "beta", "beta-dispatcher", "dispatcher");
        AgentSession agent = session(alphaHome, "alpha", "alpha-agent", "session");
        String chat = ok(agent, HandoffTools.START, Map.of("model", "m"))
                .path("chat_id")
                .asString();
        awaitTeamOfTwo(onBeta);
        return new Team(onBeta, agent, chat);
    }

    private AgentSession session(Path home, String machine, String id, String role) {
        AgentSession s = AgentSession.start(home, id, role, Map.of(), Map.of("LARK_HANDOFF_MACHINE", machine));
        sessions.add(s);
        return s;
    }

    @org.junit.jupiter.api.AfterEach
    void closeSessions() {
        sessions.forEach(s -> {
            try {
                s.close();
            } catch (RuntimeException ignored) {
                // already gone
            }
        });
        TestWorld.processesOf(betaHome).forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void given_two_daemons_of_one_app_then_a_handoff_on_alpha_gets_each_of_500_operator_messages_once_and_in_order()
            throws Exception {
        Team team = handoffOnAlpha();
        AgentSession onBeta = team.onBeta();
        AgentSession agent = team.agent();
        String chat = team.chat();
        Eventually.await(() -> world.control().gateway().connectionsOpened() >= 2, "both daemons connected to Lark");

        int count = 500;
        sendPaced(chat, 0, count);

        List<String> got = collect(agent, count);
        assertThat(got).hasSize(count).doesNotHaveDuplicates();
        assertThat(deliveredFirstTime(got)).isSorted();
        assertThat(ok(onBeta, OwnershipTools.STATUS, Map.of())
                        .path("daemon")
                        .path("last_event_at")
                        .isNull())
                .as("Lark gave beta's connection its share of the messages")
                .isFalse();
    }

    @Test
    void given_beta_killed_9_midway_and_restarted_then_alphas_handoff_still_gets_each_message_once_and_in_order()
            throws Exception {
        Team team = handoffOnAlpha();
        AgentSession onBeta = team.onBeta();
        AgentSession agent = team.agent();
        String chat = team.chat();

        sendPaced(chat, 0, 250);
        List<ProcessHandle> beta = TestWorld.daemonsOf(betaHome);
        assertThat(beta).hasSize(1);
        beta.get(0).destroyForcibly();
        sendPaced(chat, 250, 400);
        // The dispatcher's proxy starts beta's daemon again; it rejoins the team.
        Eventually.await(
                () -> TestWorld.daemonsOf(betaHome).size() == 1
                        && !TestWorld.daemonsOf(betaHome).get(0).equals(beta.get(0)),
                "beta's daemon back",
                Duration.ofSeconds(30));
        awaitTeamOfTwo(onBeta);
        sendPaced(chat, 400, 500);

        List<String> got = collectThroughRestarts(agent, new ArrayList<>(), 500);
        assertThat(got).hasSize(500).doesNotHaveDuplicates();
        assertThat(deliveredFirstTime(got)).isSorted();
    }

    @Test
    void given_alpha_killed_9_midway_then_beta_stores_and_alphas_session_sees_everything_once_it_is_back()
            throws Exception {
        Team team = handoffOnAlpha();
        AgentSession onBeta = team.onBeta();
        AgentSession agent = team.agent();
        String chat = team.chat();

        sendPaced(chat, 0, 200);
        List<String> got = new ArrayList<>(collect(agent, 200));
        List<ProcessHandle> alpha = TestWorld.daemonsOf(alphaHome);
        assertThat(alpha).hasSize(1);
        alpha.get(0).destroyForcibly();
        // Lark now has beta's connection alone: beta stores what the operator writes while alpha is down.
        sendPaced(chat, 200, 500);

        collectThroughRestarts(agent, got, 500);
        assertThat(got).hasSize(500).doesNotHaveDuplicates();
        assertThat(deliveredFirstTime(got)).isSorted();
    }

    @Test
    void given_postgresql_stopped_for_20_seconds_during_a_stream_of_300_messages_then_none_is_lost_or_duplicated()
            throws Exception {
        // Lark keeps pushing an event its app did not acknowledge (here once a second, 50 times).
        world.control().gateway().redeliveryDelay(Duration.ofSeconds(1));
        Team team = handoffOnAlpha();
        AgentSession onBeta = team.onBeta();
        AgentSession agent = team.agent();
        String chat = team.chat();

        sendPaced(chat, 0, 100);
        TestPostgres.server().stop();
        try {
            for (int i = 100; i < 200; i++) {
                send(chat, i);
                Thread.sleep(100);
            }
            Thread.sleep(10_000);
        } finally {
            TestPostgres.server().restart();
        }
        sendPaced(chat, 200, 300);

        List<String> got = collectThroughRestarts(agent, new ArrayList<>(), 300);
        assertThat(got).hasSize(300).doesNotHaveDuplicates();
        assertThat(deliveredFirstTime(got)).isSorted();
    }

    @Test
    void given_a_dispatcher_on_alpha_when_it_grants_the_channel_to_a_teammate_on_beta_then_messages_follow_the_owner()
            throws Exception {
        AgentSession dispatcher = session(alphaHome, "alpha", "disp", "dispatcher");
        AgentSession teammate = AgentSession.start(
                betaHome, "tm", "session", Map.of("teammate_name", "api"), Map.of("LARK_HANDOFF_MACHINE", "beta"));
        sessions.add(teammate);
        awaitTeamOfTwo(dispatcher);
        Eventually.await(
                () -> ok(dispatcher, OwnershipTools.STATUS, Map.of()).toString().contains("session:tm"),
                "the dispatcher to see the teammate on beta");

        AgentSession.Answer granted =
                dispatcher.call(OwnershipTools.GRANT, Map.of("match", Map.of("teammate_name", "api")));
        AgentSession.Answer acquired = teammate.call(OwnershipTools.ACQUIRE, Map.of());
        world.operatorSays("for the teammate on beta");
        Map<String, Object> onBeta = teammate.nextEvent(Duration.ofSeconds(20));
        AgentSession.Answer returned = teammate.call(OwnershipTools.RETURN, Map.of());
        world.operatorSays("back to the dispatcher");
        Map<String, Object> onAlpha = dispatcher.nextEvent(Duration.ofSeconds(20));

        assertThat(granted.isError()).as(granted.text()).isFalse();
        assertThat(acquired.text()).isEqualTo("Feishu channel owner is now session:tm (session, epoch 2).");
        assertThat(onBeta).isNotNull().containsEntry("content", "for the teammate on beta");
        assertThat(returned.isError()).as(returned.text()).isFalse();
        assertThat(onAlpha).isNotNull().containsEntry("content", "back to the dispatcher");
        assertThat(dispatcher.drainEvents())
                .as("nothing of the teammate's reached the dispatcher")
                .isEmpty();
        JsonNode alphaSees = ok(dispatcher, OwnershipTools.STATUS, Map.of());
        JsonNode betaSees = ok(teammate, OwnershipTools.STATUS, Map.of());
        assertThat(alphaSees.path("lease_epoch").asLong())
                .isEqualTo(betaSees.path("lease_epoch").asLong())
                .isEqualTo(3);
        try (Store store = Store.open(db, java.time.Clock.systemUTC())) {
            List<OwnershipLogEntry> log = store.channel().log(100);
            assertThat(log).extracting(OwnershipLogEntry::action).contains("grant", "acquire");
            for (int i = 1; i < log.size(); i++) {
                assertThat(log.get(i).oldEpoch())
                        .as("the team's audit log is one chain of epochs")
                        .isEqualTo(log.get(i - 1).newEpoch());
            }
            assertThat(log.get(log.size() - 1).newEpoch()).isEqualTo(3);
        }
    }

    @Test
    void given_a_permission_request_waiting_on_alpha_when_the_operators_click_reaches_beta_then_alphas_hook_gets_it()
            throws Exception {
        // Beta's daemon opens the app's first connection, alpha's the second.
        AgentSession onBeta = session(betaHome, "beta", "beta-dispatcher", "dispatcher");
        Eventually.await(() -> world.control().gateway().connectionsOpened() >= 1, "beta connected to Lark");
        AgentSession agent = session(alphaHome, "alpha", "alpha-agent", "session");
        String chat = ok(agent, HandoffTools.START, Map.of("model", "m"))
                .path("chat_id")
                .asString();
        awaitTeamOfTwo(onBeta);
        Eventually.await(() -> world.control().gateway().connectionsOpened() >= 2, "alpha connected to Lark");

        CompletableFuture<String> hook = permissionHook(alphaHome, "alpha-agent");
        EmuMessage card = world.awaitBotMessage(chat, "Permission Request");
        world.control().gateway().deliverTo(0); // Lark picks beta's connection for the click
        long clicked = System.nanoTime();
        EmulatorControl.CardCallback click = world.control().clickButton(world.operator(), card.messageId(), "Approve");
        String decision = hook.get(30, TimeUnit.SECONDS);
        long answeredMillis = (System.nanoTime() - clicked) / 1_000_000;

        assertThat(click.toast()).isEqualTo("Approved");
        assertThat(ServerJson.mapper()
                        .readTree(decision)
                        .path("hookSpecificOutput")
                        .path("decision")
                        .path("behavior")
                        .asString())
                .isEqualTo("allow");
        // The click reached alpha through the store's change signal, not the 5 s poll beneath it (the figure itself
        // is the team bench's; bench/RESULTS.md).
        assertThat(answeredMillis).isLessThan(5_000);
    }

    @Test
    void given_handoffs_on_both_machines_when_betas_agent_relays_to_alphas_group_then_alphas_wait_gets_the_relay()
            throws Exception {
        AgentSession onAlpha = session(alphaHome, "alpha", "alpha-agent", "session");
        String alphaChat = ok(onAlpha, HandoffTools.START, Map.of("model", "m"))
                .path("chat_id")
                .asString();
        AgentSession onBeta = session(betaHome, "beta", "beta-agent", "session");
        String betaChat = ok(onBeta, HandoffTools.START, Map.of("model", "m"))
                .path("chat_id")
                .asString();
        awaitTeamOfTwo(onBeta);
        assertThat(betaChat).isNotEqualTo(alphaChat);
        CompletableFuture<JsonNode> waiting = CompletableFuture.supplyAsync(
                () -> ok(onAlpha, DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 30)));

        ok(onBeta, HandoffTools.RELAY, Map.of("chat_id", alphaChat, "message", "the api is deployed"));

        JsonNode relay = waiting.get(40, TimeUnit.SECONDS).path("replies").get(0);
        assertThat(relay.path("msg_type").asString()).isEqualTo("relay");
        assertThat(relay.path("text").asString()).isEqualTo("the api is deployed");
        assertThat(relay.path("from_chat_id").asString()).isEqualTo(betaChat);
        assertThat(world.awaitBotMessage(alphaChat, "the api is deployed").content())
                .contains("Relay from");
    }

    @Test
    void
            given_alphas_agent_waiting_in_its_group_when_an_agent_on_beta_takes_the_group_over_then_alphas_wait_ends_with_takeover()
                    throws Exception {
        AgentSession onAlpha = session(alphaHome, "alpha", "alpha-agent", "session");
        String chat = ok(onAlpha, HandoffTools.START, Map.of("model", "m"))
                .path("chat_id")
                .asString();
        AgentSession onBeta = session(betaHome, "beta", "beta-agent", "session");
        awaitTeamOfTwo(onBeta);
        CompletableFuture<JsonNode> waiting = CompletableFuture.supplyAsync(() ->
                ok(onAlpha, HandoffTools.SEND_AND_WAIT, Map.of("message", "working on it", "timeout_seconds", 60)));
        world.awaitBotMessage(chat, "working on it");

        JsonNode took = ok(onBeta, HandoffTools.START, Map.of("takeover_chat_id", chat));

        assertThat(waiting.get(40, TimeUnit.SECONDS).path("takeover").asBoolean())
                .as("alpha's wait, ended by a takeover made on beta")
                .isTrue();
        assertThat(took.path("previous_holder").asString()).isEqualTo("session:alpha-agent");
        assertThat(ok(onBeta, HandoffTools.STATUS, Map.of()).path("chat_id").asString())
                .isEqualTo(chat);
    }

    /** Claude Code's PermissionRequest hook for a Bash call, run as Claude Code runs it on that machine. */
    private static CompletableFuture<String> permissionHook(Path home, String sessionId) {
        String request = """
                {"session_id": "c0ffee", "transcript_path": "/tmp/t.jsonl", "cwd": "/tmp",
                 "hook_event_name": "PermissionRequest", "permission_mode": "default", "tool_name": "Bash",
                 "tool_input": {"command": "rm -rf build", "description": "Remove the build directory"}}
                """;
        return CompletableFuture.supplyAsync(() -> {
            try {
                ProcessBuilder pb = new ProcessBuilder(ChildJvm.command("hook", "PermissionRequest"));
                pb.environment().put("LARK_HANDOFF_HOME", home.toString());
                pb.environment().put("LARK_HANDOFF_SESSION_ID", sessionId);
                pb.redirectError(ProcessBuilder.Redirect.INHERIT);
                Process p = pb.start();
                p.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().close();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                p.waitFor(60, TimeUnit.SECONDS);
                return out;
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
    }

    /**
     * The operator writes {@code text} {@code from} … {@code to - 1}, 20 ms apart: faster than anyone types, and
     * enough for each message's Lark creation time to tell its place.
     */
    private void sendPaced(String chat, int from, int to) throws InterruptedException {
        for (int i = from; i < to; i++) {
            send(chat, i);
            Thread.sleep(20);
        }
    }

    private void send(String chat, int i) {
        String text = String.format("%03d", i);
        sent.put(text, world.control().sendText(world.operator(), chat, text));
    }

    /**
     * The replies in the order the agent got them, less those Lark had to send more than once (to a connection that
     * died holding them, or while the store could not take them): Lark sends those again later, and they come then.
     * Everything Lark delivered the first time must keep the order it was written in.
     */
    private List<String> deliveredFirstTime(List<String> got) {
        Set<String> resent = new HashSet<>();
        sent.forEach((text, s) -> {
            if (s.awaitAcks(Duration.ofSeconds(30)).stream().anyMatch(a -> a.attempts() > 1)) {
                resent.add(text);
            }
        });
        return got.stream().filter(t -> !resent.contains(t)).toList();
    }

    /** Reads the handoff's replies page by page (answering each page, as the loop does) until {@code count} came. */
    private static List<String> collect(AgentSession agent, int count) {
        List<String> got = new ArrayList<>();
        JsonNode page = ok(agent, DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 30));
        for (int round = 0; round < 1000; round++) {
            page.path("replies").forEach(r -> got.add(r.path("text").asString()));
            if (got.size() >= count) {
                break;
            }
            page = ok(
                    agent, HandoffTools.SEND_AND_WAIT, Map.of("message", "read " + got.size(), "timeout_seconds", 30));
            if (page.path("timeout").asBoolean(false) && page.path("replies").isEmpty()) {
                break;
            }
        }
        return got;
    }

    /**
     * As {@link #collect}, riding out a daemon that dies under the call: the proxy answers an error, starts the
     * daemon again, and the next call goes through. The first page of a wait (after a start or an error) hands the
     * replies not answered yet out again, by design; those are not counted twice. Any other repeat is.
     */
    private static List<String> collectThroughRestarts(AgentSession agent, List<String> got, int total)
            throws InterruptedException {
        String tool = DeliveryTools.WAIT_FOR_REPLY;
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (got.size() < total && System.nanoTime() < deadline) {
            Map<String, Object> args = tool.equals(DeliveryTools.WAIT_FOR_REPLY)
                    ? Map.of("timeout_seconds", 30)
                    : Map.of("message", "read " + got.size(), "timeout_seconds", 30);
            AgentSession.Answer a = agent.call(tool, args);
            if (a.isError()) {
                Thread.sleep(500);
                tool = DeliveryTools.WAIT_FOR_REPLY;
                continue;
            }
            boolean reOffer = tool.equals(DeliveryTools.WAIT_FOR_REPLY);
            JsonNode page = ServerJson.mapper().readTree(a.text());
            page.path("replies").forEach(r -> {
                String text = r.path("text").asString();
                if (!(reOffer && got.contains(text))) {
                    got.add(text);
                }
            });
            tool = HandoffTools.SEND_AND_WAIT;
        }
        return got;
    }

    /** Waits until the session's daemon (coming back, perhaps) counts two daemons alive in the team. */
    private static void awaitTeamOfTwo(AgentSession session) {
        Eventually.await(
                () -> {
                    AgentSession.Answer a = session.call(OwnershipTools.STATUS, Map.of());
                    return !a.isError()
                            && ServerJson.mapper()
                                            .readTree(a.text())
                                            .path("daemon")
                                            .path("team")
                                            .size()
                                    == 2;
                },
                "both daemons in the team",
                Duration.ofSeconds(30));
    }

    private static JsonNode ok(AgentSession session, String tool, Map<String, Object> args) {
        AgentSession.Answer a = session.call(tool, args);
        assertThat(a.isError()).as("%s answered an error: %s", tool, a.text()).isFalse();
        return ServerJson.mapper().readTree(a.text());
    }
}
