package dev.larkhandoff.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.larkhandoff.emulator.control.EmulatorControl;
import dev.larkhandoff.emulator.control.EmulatorControl.CardCallback;
import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuMessage;
import dev.larkhandoff.emulator.model.EmuResource;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.emulator.openapi.OpenApiServer.CallRecord;
import dev.larkhandoff.emulator.ws.DeliveryPlan;
import dev.larkhandoff.emulator.ws.EventAck;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Proves the emulator against Lark's official Node SDK ({@code @larksuiteoapi/node-sdk}, pinned in
 * {@code src/test/node/package-lock.json}): the SDK's own WSClient, EventDispatcher and Client run unchanged
 * in a child process ({@code src/test/node/fidelity.js}) and report what they saw as JSON lines, while this
 * test plays the humans through the control API and checks what the platform side recorded.
 */
class NodeSdkFidelityTest {

    private static final Duration STEP = Duration.ofSeconds(15);
    /** The 1x1 PNG fidelity.js uploads. */
    private static final byte[] PNG = Base64.getDecoder()
            .decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    private static Path nodeDir;

    private LarkEmulator emulator;
    private EmulatorControl control;
    private EmuUser alice;
    private EmuChat group;

    @BeforeAll
    static void locateTheStagedNodeProject() {
        String dir = System.getProperty("nodeFidelityDir");
        assertThat(dir)
                .as(
                        "system property nodeFidelityDir (set by the Maven build, which stages src/test/node and runs npm ci)")
                .isNotBlank();
        nodeDir = Path.of(dir);
        assertThat(nodeDir.resolve("fidelity.js")).as("staged fidelity.js").isRegularFile();
        assertThat(nodeDir.resolve("node_modules/@larksuiteoapi/node-sdk/package.json"))
                .as("the official SDK installed by npm ci in " + nodeDir)
                .isRegularFile();
    }

    @BeforeEach
    void startEmulator() {
        emulator = LarkEmulator.start(EmulatorOptions.defaults());
        control = emulator.control();
        alice = control.addUser("Alice");
        group = control.createGroup("fidelity", alice);
    }

    private void restartEmulator(EmulatorOptions options) {
        emulator.close();
        emulator = LarkEmulator.start(options);
        control = emulator.control();
        alice = control.addUser("Alice");
        group = control.createGroup("fidelity", alice);
    }

    @AfterEach
    void stopEmulator() {
        if (emulator != null) {
            emulator.close();
        }
    }

    @Test
    void
            given_an_event_split_into_fragments_delivered_out_of_order_when_the_node_ws_client_receives_it_then_the_handler_sees_the_text_and_the_emulator_records_one_200_ack()
                    throws Exception {
        String text = "Fragmented héllo 日本語 🚀 — the emulator reverses and swaps the pieces";
        try (NodeSdk node = NodeSdk.start(emulator, "message", "count=1")) {
            node.await("ready");

            control.planNext(DeliveryPlan.fragmented(3, true));
            EmulatorControl.Sent sent = control.sendText(alice, group.chatId, text);
            JsonNode seen = node.await("message");
            List<EventAck> deliveryAcks = sent.awaitAcks(STEP);

            assertThat(seen.path("text").asString()).as(node.diagnostics()).isEqualTo(text);
            assertThat(seen.path("message_id").asString()).isEqualTo(sent.messageId());
            assertThat(seen.path("chat_id").asString()).isEqualTo(group.chatId);
            assertThat(seen.path("sender_open_id").asString()).isEqualTo(alice.openId());
            assertThat(seen.path("event_type").asString()).isEqualTo("im.message.receive_v1");
            assertThat(deliveryAcks).singleElement().satisfies(ack -> {
                assertThat(ack.code()).as("ack code " + node.diagnostics()).isEqualTo(200);
                assertThat(ack.attempts())
                        .as("pushes of the event (1 = no redelivery)")
                        .isEqualTo(1);
            });
            String eventId = seen.path("event_id").asString();
            assertThat(emulator.gateway().acks())
                    .filteredOn(a -> a.eventId().equals(eventId))
                    .singleElement()
                    .satisfies(ack -> {
                        assertThat(ack.ok()).isTrue();
                        assertThat(ack.attempts()).isEqualTo(1);
                    });
            assertThat(node.awaitExit())
                    .as("node exit code " + node.diagnostics())
                    .isZero();
            assertThat(node.observed("message")).as("events the handler saw").hasSize(1);
            assertThat(emulator.gateway().unacknowledged()).isZero();
        }
    }

    @Test
    void
            given_a_card_sent_by_the_node_client_when_a_person_clicks_approve_then_the_handlers_toast_and_card_come_back_through_the_ack()
                    throws Exception {
        try (NodeSdk node = NodeSdk.start(emulator, "card", "chat_id=" + group.chatId)) {
            node.await("ready");
            String messageId = node.await("sent").path("message_id").asString();
            assertThat(control.botMessages(group.chatId))
                    .extracting(EmuMessage::messageId)
                    .containsExactly(messageId);

            CardCallback callback = control.clickButton(alice, messageId, "Approve");
            JsonNode seen = node.await("card");

            assertThat(seen.path("event_type").asString()).isEqualTo("card.action.trigger");
            assertThat(seen.path("action").path("tag").asString()).isEqualTo("button");
            assertThat(seen.path("action").path("value").path("decision").asString())
                    .isEqualTo("approve");
            assertThat(seen.path("action").path("value").path("request").asString())
                    .isEqualTo("r-42");
            assertThat(seen.path("operator_open_id").asString()).isEqualTo(alice.openId());
            assertThat(seen.path("open_message_id").asString()).isEqualTo(messageId);
            assertThat(seen.path("open_chat_id").asString()).isEqualTo(group.chatId);
            assertThat(callback.ack().code())
                    .as("card callback ack " + node.diagnostics())
                    .isEqualTo(200);
            assertThat(callback.toast()).isEqualTo("Got it");
            assertThat(callback.response().path("toast").path("type").asString())
                    .isEqualTo("success");
            JsonNode returnedCard = callback.response().path("card");
            assertThat(returnedCard.path("type").asString()).isEqualTo("raw");
            assertThat(control.card(messageId))
                    .as("the stored card after the callback")
                    .isEqualTo(returnedCard.path("data"));
            assertThat(control.card(messageId).toString()).contains("Approved by " + alice.openId());
            assertThat(node.awaitExit())
                    .as("node exit code " + node.diagnostics())
                    .isZero();
        }
    }

    @Test
    void
            given_the_node_client_when_it_uploads_an_image_sends_messages_and_reads_one_back_then_the_emulator_state_agrees()
                    throws Exception {
        try (NodeSdk node = NodeSdk.start(emulator, "rest", "chat_id=" + group.chatId)) {
            JsonNode rest = node.await("rest");
            assertThat(node.awaitExit())
                    .as("node exit code " + node.diagnostics())
                    .isZero();

            String imageMessageId = rest.path("message_id").asString();
            String imageKey = rest.path("image_key").asString();
            assertThat(imageKey).startsWith("img_");
            assertThat(emulator.state().resource(imageKey))
                    .as("uploaded image " + imageKey)
                    .get()
                    .extracting(EmuResource::bytes)
                    .isEqualTo(PNG);
            assertThat(control.botMessages(group.chatId))
                    .extracting(EmuMessage::messageId, EmuMessage::msgType)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(imageMessageId, "image"),
                            org.assertj.core.groups.Tuple.tuple(
                                    rest.path("text_message_id").asString(), "text"));
            assertThat(EmuJson.read(control.message(imageMessageId)
                                    .orElseThrow()
                                    .content())
                            .path("image_key")
                            .asString())
                    .isEqualTo(imageKey);
            assertThat(EmuJson.read(control.message(rest.path("text_message_id").asString())
                                    .orElseThrow()
                                    .content())
                            .path("text")
                            .asString())
                    .isEqualTo("hello from node");
            JsonNode readBack = rest.path("read_back");
            assertThat(readBack.path("message_id").asString()).isEqualTo(imageMessageId);
            assertThat(readBack.path("msg_type").asString()).isEqualTo("image");
            assertThat(readBack.path("chat_id").asString()).isEqualTo(group.chatId);
            assertThat(readBack.path("sender_type").asString()).isEqualTo("app");
            assertThat(readBack.path("content").path("image_key").asString()).isEqualTo(imageKey);
            assertThat(control.tokenFetches())
                    .as("the SDK caches its tenant token")
                    .isEqualTo(1);
            List<CallRecord> apiCalls = control.calls().stream()
                    .filter(c -> c.path().startsWith("/open-apis/") && !c.path().startsWith("/open-apis/auth/"))
                    .toList();
            assertThat(apiCalls)
                    .extracting(CallRecord::method, CallRecord::path)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple("POST", "/open-apis/im/v1/images"),
                            org.assertj.core.groups.Tuple.tuple("POST", "/open-apis/im/v1/messages"),
                            org.assertj.core.groups.Tuple.tuple("POST", "/open-apis/im/v1/messages"),
                            org.assertj.core.groups.Tuple.tuple("GET", "/open-apis/im/v1/messages/" + imageMessageId));
            assertThat(apiCalls).allSatisfy(c -> {
                assertThat(c.httpStatus()).isEqualTo(200);
                assertThat(c.hadBearer()).isTrue();
            });
        }
    }

    @Test
    void
            given_a_connected_node_ws_client_when_it_idles_for_seconds_then_every_ping_gets_a_pong_and_it_does_not_ping_in_a_loop()
                    throws Exception {
        // A one-second PingInterval, so that a pong which broke the SDK's timer (a missing or zero field makes
        // it ping in a busy loop) shows within the few seconds this test idles.
        EmulatorOptions options = EmulatorOptions.defaults().withPingInterval(1);
        restartEmulator(options);
        try (NodeSdk node = NodeSdk.start(emulator, "idle", "duration_ms=3000")) {
            node.await("ready");
            JsonNode config = node.await("ws_config");
            assertThat(node.awaitExit())
                    .as("node exit code " + node.diagnostics())
                    .isZero();

            int pings = emulator.gateway().pings();
            assertThat(pings)
                    .as("pings in ~3 s at PingInterval 1 s" + node.diagnostics())
                    .isBetween(2, 5);
            assertThat(config.path("pongs").asInt())
                    .as("pongs the SDK read, of " + pings + " pings")
                    .isGreaterThanOrEqualTo(pings - 1)
                    .isPositive();
            assertThat(config.path("ping_interval_ms").asLong())
                    .as("SDK's PingInterval after the pongs " + config)
                    .isEqualTo(options.pingIntervalSeconds() * 1000L);
            assertThat(config.path("reconnect_count").asLong())
                    .as("ReconnectCount " + config)
                    .isEqualTo(options.reconnectCount());
            assertThat(config.path("reconnect_interval_ms").asLong())
                    .as("ReconnectInterval " + config)
                    .isEqualTo(options.reconnectIntervalSeconds() * 1000L);
            assertThat(config.path("reconnect_nonce_ms").asLong())
                    .as("ReconnectNonce " + config)
                    .isEqualTo(options.reconnectNonceSeconds() * 1000L);
        }
    }

    /** {@code node fidelity.js …} as a child process whose stdout lines are observations. */
    private static final class NodeSdk implements AutoCloseable {

        private static final JsonNode EOF = EmuJson.object().put("event", "<eof>");

        private final Process process;
        private final List<String> command;
        private final BlockingQueue<JsonNode> observations = new LinkedBlockingQueue<>();
        private final List<JsonNode> seen = Collections.synchronizedList(new ArrayList<>());
        private final List<String> stdout = Collections.synchronizedList(new ArrayList<>());
        private final StringBuffer stderr = new StringBuffer();
        private final long deadlineNanos;

        private NodeSdk(Process process, List<String> command, Duration budget) {
            this.process = process;
            this.command = command;
            this.deadlineNanos = System.nanoTime() + budget.toNanos();
            daemon("node-stdout", () -> readStdout(process.getInputStream()));
            daemon("node-stderr", () -> readStderr(process.getErrorStream()));
        }

        static NodeSdk start(LarkEmulator emulator, String scenario, String... options) throws IOException {
            List<String> command = new ArrayList<>(List.of(
                    "node",
                    "fidelity.js",
                    emulator.baseUrl(),
                    emulator.app().appId(),
                    emulator.app().appSecret(),
                    scenario,
                    "timeout_ms=20000"));
            command.addAll(List.of(options));
            Process process =
                    new ProcessBuilder(command).directory(nodeDir.toFile()).start();
            return new NodeSdk(process, command, Duration.ofSeconds(25));
        }

        /** The next observation of this kind; fails on an error, a timeout, an early exit or the deadline. */
        JsonNode await(String event) throws InterruptedException {
            long waitUntil = Math.min(deadlineNanos, System.nanoTime() + STEP.toNanos());
            while (true) {
                long left = waitUntil - System.nanoTime();
                JsonNode next = left <= 0 ? null : observations.poll(left, TimeUnit.NANOSECONDS);
                if (next == null) {
                    return fail("no {\"event\":\"" + event + "\"} from node in time" + diagnostics());
                }
                String kind = next.path("event").asString();
                if (kind.equals(event)) {
                    return next;
                }
                if (next == EOF || kind.equals("error") || kind.equals("timeout")) {
                    return fail("node reported " + next + " while the test waited for " + event + diagnostics());
                }
            }
        }

        /** Observations of this kind so far. */
        List<JsonNode> observed(String event) {
            synchronized (seen) {
                return seen.stream()
                        .filter(o -> o.path("event").asString().equals(event))
                        .toList();
            }
        }

        int awaitExit() throws InterruptedException {
            long left = Math.max(0, deadlineNanos - System.nanoTime());
            if (!process.waitFor(Math.min(left, STEP.toNanos()), TimeUnit.NANOSECONDS)) {
                return fail("node did not exit by itself" + diagnostics());
            }
            return process.exitValue();
        }

        String diagnostics() {
            return "\n--- command: " + String.join(" ", command)
                    + "\n--- node stdout:\n" + String.join("\n", stdout)
                    + "\n--- node stderr:\n" + stderr + "\n---";
        }

        private void readStdout(InputStream in) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    stdout.add(line);
                    JsonNode o;
                    try {
                        o = EmuJson.read(line);
                    } catch (RuntimeException e) {
                        o = EmuJson.object().put("event", "error").put("message", "not a JSON line on stdout: " + line);
                    }
                    seen.add(o);
                    observations.add(o);
                }
            } catch (IOException e) {
                stderr.append("[test] reading node stdout failed: ").append(e).append('\n');
            } finally {
                observations.add(EOF);
            }
        }

        private void readStderr(InputStream in) {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (stderr.length() < 200_000) {
                        stderr.append(line).append('\n');
                    }
                }
            } catch (IOException e) {
                stderr.append("[test] reading node stderr failed: ").append(e).append('\n');
            }
        }

        private static void daemon(String name, Runnable body) {
            Thread t = new Thread(body, name);
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() throws InterruptedException {
            try {
                // fidelity.js leaves when its stdin closes; then ask, then insist.
                process.getOutputStream().close();
                if (!process.waitFor(2, TimeUnit.SECONDS)) {
                    process.destroy();
                    process.waitFor(2, TimeUnit.SECONDS);
                }
            } catch (IOException ignored) {
                // stdin already closed: the process is going or gone
            } finally {
                if (process.isAlive()) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        }
    }
}
