package dev.larkhandoff.emulator.control;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.emulator.EmuJson;
import dev.larkhandoff.emulator.LarkEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The control API over HTTP/JSON, driven by a plain HTTP client as the demo page or another language would. */
class ControlHttpApiTest {

    private LarkEmulator emulator;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        emulator = LarkEmulator.start();
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    private HttpResponse<String> call(String method, String op, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(emulator.baseUrl() + "/_emulator/" + op));
        b = "GET".equals(method) ? b.GET() : b.POST(HttpRequest.BodyPublishers.ofString(json == null ? "" : json));
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode post(String op, String json) throws Exception {
        HttpResponse<String> r = call("POST", op, json);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return EmuJson.read(r.body());
    }

    @Test
    void given_the_http_control_api_when_a_person_is_created_joins_a_group_and_talks_then_the_messages_are_readable()
            throws Exception {
        JsonNode app = EmuJson.read(call("GET", "app", null).body());
        String alice = post("users", "{\"name\":\"Alice\"}").path("open_id").asString();
        String bob = post("users", "{\"name\":\"Bob\",\"email\":\"bob@example.com\"}")
                .path("open_id")
                .asString();
        String chat = post("groups", "{\"name\":\"team\",\"owner\":\"" + alice + "\",\"members\":[\"" + bob + "\"]}")
                .path("chat_id")
                .asString();

        String first = post(
                        "messages",
                        "{\"sender\":\"" + alice + "\",\"chat_id\":\"" + chat
                                + "\",\"msg_type\":\"text\",\"content\":{\"text\":\"@_user_1 hi\"},\"mentions\":[\""
                                + app.path("bot_open_id").asString() + "\"]}")
                .path("message_id")
                .asString();
        post(
                "messages",
                "{\"sender\":\"" + bob + "\",\"chat_id\":\"" + chat + "\",\"msg_type\":\"text\","
                        + "\"content\":{\"text\":\"in thread\"},\"parent_id\":\"" + first + "\",\"in_thread\":true}");
        post(
                "merge_forward",
                "{\"sender\":\"" + bob + "\",\"chat_id\":\"" + chat + "\",\"message_ids\":[\"" + first + "\"]}");
        JsonNode items = post("chat_messages", "{\"chat_id\":\"" + chat + "\"}").path("items");

        assertThat(app.path("app_id").asString()).matches("cli_[0-9a-f]{16}");
        assertThat(items).hasSize(3);
        assertThat(items.get(0).path("mentions").get(0).path("id").asString())
                .isEqualTo(app.path("bot_open_id").asString());
        assertThat(items.get(1).path("parent_id").asString()).isEqualTo(first);
        assertThat(items.get(1).path("thread_id").asString()).startsWith("omt_");
        assertThat(items.get(2).path("msg_type").asString()).isEqualTo("merge_forward");
    }

    @Test
    void given_fault_endpoints_when_armed_then_the_open_api_answers_with_those_faults() throws Exception {
        post(
                "faults/http",
                "{\"path_prefix\":\"/open-apis/bot/v3/info\",\"status\":503,\"code\":1000040343,\"times\":1}");
        post("faults/rate_limit", "{\"path_prefix\":\"/open-apis/auth\",\"reset_seconds\":2,\"times\":1}");
        post("faults/handshake", "{\"status\":514,\"msg\":\"busy\",\"times\":1}");
        post("faults/plan", "{\"fragments\":3,\"shuffled\":true}");
        post("faults/redelivery_delay", "{\"millis\":50}");
        post("faults/card_v2", "{\"times\":1}");

        HttpResponse<String> token = http.send(
                HttpRequest.newBuilder(
                                URI.create(emulator.baseUrl() + "/open-apis/auth/v3/tenant_access_token/internal"))
                        .POST(HttpRequest.BodyPublishers.ofString("{}"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(token.statusCode()).isEqualTo(429);
        assertThat(token.headers().firstValue("x-ogw-ratelimit-reset")).hasValue("2");
        assertThat(EmuJson.read(token.body()).path("code").asInt()).isEqualTo(99991400);
    }

    @Test
    void given_a_bad_control_request_then_the_answer_names_the_problem() throws Exception {
        HttpResponse<String> missing = call("POST", "groups", "{\"name\":\"x\"}");
        HttpResponse<String> unknown = call("POST", "nope", "{}");
        HttpResponse<String> notJson = call("POST", "users", "{");

        assertThat(missing.statusCode()).isEqualTo(400);
        assertThat(EmuJson.read(missing.body()).path("error").asString()).contains("owner is required");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(notJson.statusCode()).isEqualTo(400);
    }
}
