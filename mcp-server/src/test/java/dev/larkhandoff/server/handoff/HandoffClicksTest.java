package dev.larkhandoff.server.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.lark.event.CardAction;
import dev.larkhandoff.lark.event.EventDecoder;
import dev.larkhandoff.server.ServerJson;
import dev.larkhandoff.server.routing.InboundRecorder.CardCallbacks.Accept;
import dev.larkhandoff.server.routing.InboundRecorder.CardCallbacks.Decision;
import dev.larkhandoff.server.routing.InboundRecorder.CardCallbacks.Reject;
import dev.larkhandoff.store.Store;
import java.nio.file.Path;
import java.time.Clock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.node.ObjectNode;

/**
 * The synchronous answers to card clicks: who may decide, what the toast says, how the card is
 * replaced, and Stop raising the chat's flag only once the click is stored.
 */
class HandoffClicksTest {

    @TempDir
    Path home;

    Store store;
    StopFlags flags;
    HandoffClicks clicks;

    @BeforeEach
    void setUp() {
        store = Store.open(home, Clock.systemUTC());
        flags = new StopFlags(store.settings(), Clock.systemUTC());
        clicks = new HandoffClicks(flags, store.bindings(), store.chats());
    }

    @AfterEach
    void tearDown() {
        store.close();
    }

    @Test
    void given_a_question_card_when_the_answer_is_yes_then_the_toast_says_got_it_and_the_card_turns_green() {
        Decision d = clicks.judge(click(
                "ou_olivia",
                value("Yes").put("chat_id", "oc_1").put("title", "Deploy?").put("body", "to production")));
        assertThat(d).isInstanceOfSatisfying(Accept.class, a -> {
            assertThat(a.response().toast().type()).isEqualTo("success");
            assertThat(a.response().toast().content()).isEqualTo("Got it: Yes");
            String card = a.response().card().toString();
            assertThat(card).contains("Deploy?", "to production", "Selected: **Yes**", "\"green\"");
        });
    }

    @Test
    void given_a_negative_answer_then_the_card_turns_red_and_the_toast_says_denied() {
        Decision d = clicks.judge(click("ou_olivia", value("no").put("chat_id", "oc_1")));
        assertThat(d).isInstanceOfSatisfying(Accept.class, a -> {
            assertThat(a.response().toast().content()).isEqualTo("Denied: no");
            assertThat(a.response().card().toString()).contains("\"red\"", "Confirmed");
        });
    }

    @Test
    void given_a_permission_card_then_only_the_operator_and_coowners_in_the_store_decide_whatever_the_value_claims() {
        bind("oc_1", "ou_olivia");
        store.chats().putMember("oc_1", "ou_colin", "Colin", dev.larkhandoff.store.chat.MemberRole.COOWNER);
        store.chats().putMember("oc_1", "ou_gina", "Gina", dev.larkhandoff.store.chat.MemberRole.GUEST);
        ObjectNode v = value("y").put("chat_id", "oc_1").put("nonce", "perm:abc");
        v.putArray("approvers").add("ou_gina").add("ou_sam");

        assertThat(clicks.judge(click("ou_gina", v)))
                .isInstanceOfSatisfying(
                        Reject.class,
                        r -> assertThat(r.response().toast().content())
                                .isEqualTo("Only the operator or coowners can decide"));
        assertThat(clicks.judge(click("ou_sam", v)))
                .as("a stranger named by the value")
                .isInstanceOf(Reject.class);
        assertThat(clicks.judge(click("ou_colin", v))).isInstanceOf(Accept.class);
        assertThat(clicks.judge(click("ou_olivia", v))).isInstanceOf(Accept.class);
    }

    @Test
    void given_a_chat_without_a_handoff_then_nobody_decides_a_permission_or_presses_stop() {
        ObjectNode v = value("y").put("chat_id", "oc_1").put("nonce", "perm:abc");
        v.putArray("approvers").add("ou_olivia");

        assertThat(clicks.judge(click("ou_olivia", v))).isInstanceOf(Reject.class);
        assertThat(clicks.judge(click("ou_olivia", value("__stop__").put("chat_id", "oc_1"))))
                .isInstanceOf(Reject.class);
    }

    @Test
    void given_the_stop_button_when_the_operator_clicks_then_the_flag_is_raised_after_the_click_is_stored() {
        bind("oc_1", "ou_olivia");
        ObjectNode v = value("__stop__").put("chat_id", "oc_1");
        v.putArray("approvers").add("ou_gina");
        assertThat(clicks.judge(click("ou_gina", v)))
                .isInstanceOfSatisfying(
                        Reject.class,
                        r -> assertThat(r.response().toast().content())
                                .isEqualTo("Only the owner or coowners can stop"));

        Accept stop = (Accept) clicks.judge(click("ou_olivia", v));
        assertThat(stop.response().toast().content()).isEqualTo("Stopping...");
        assertThat(flags.isRaised("oc_1")).as("not before the click is stored").isFalse();
        stop.afterStore().run();
        assertThat(flags.isRaised("oc_1")).isTrue();
    }

    private void bind(String chat, String operator) {
        store.sessions()
                .register(
                        "session-1",
                        dev.larkhandoff.store.session.Role.SESSION,
                        "{}",
                        dev.larkhandoff.store.session.DeliveryMode.PULL,
                        null,
                        "test");
        store.bindings()
                .claim(dev.larkhandoff.store.handoff.Binding.of(chat, "session-1")
                        .withOperator(operator, "ou_bot"));
    }

    @Test
    void given_a_bound_chat_when_a_stranger_answers_a_question_then_the_click_is_refused_and_a_guest_may_answer() {
        store.sessions()
                .register(
                        "session-1",
                        dev.larkhandoff.store.session.Role.SESSION,
                        "{}",
                        dev.larkhandoff.store.session.DeliveryMode.PULL,
                        null,
                        "test");
        store.bindings()
                .claim(dev.larkhandoff.store.handoff.Binding.of("oc_1", "session-1")
                        .withOperator("ou_olivia", "ou_bot"));
        store.chats().putMember("oc_1", "ou_gina", "Gina", dev.larkhandoff.store.chat.MemberRole.GUEST);
        ObjectNode question = value("Yes").put("chat_id", "oc_1").put("title", "Deploy?");

        assertThat(clicks.judge(click("ou_sam", question)))
                .isInstanceOfSatisfying(
                        Reject.class,
                        r -> assertThat(r.response().toast().content())
                                .isEqualTo("Only the operator, coowners and guests of this handoff can answer"));
        assertThat(clicks.judge(click("ou_gina", question))).isInstanceOf(Accept.class);
        assertThat(clicks.judge(click("ou_olivia", question))).isInstanceOf(Accept.class);
    }

    @Test
    void given_an_answer_with_markup_then_the_card_shows_it_inert() {
        Accept a = (Accept) clicks.judge(
                click("ou_olivia", value("<at id=all></at> [x](http://evil)").put("chat_id", "oc_1")));
        assertThat(a.response().card().toString()).doesNotContain("<at id=all>").contains("&#60;at id=all&#62;");
    }

    @Test
    void given_a_card_that_is_not_a_handoff_question_then_the_click_is_stored_and_its_card_left_alone() {
        Decision d = clicks.judge(click("ou_olivia", value("open")));
        assertThat(d)
                .isInstanceOfSatisfying(
                        Accept.class, a -> assertThat(a.response()).isNull());
    }

    private static ObjectNode value(String action) {
        return ServerJson.mapper().createObjectNode().put("action", action);
    }

    private static CardAction click(String operator, ObjectNode value) {
        ObjectNode root = ServerJson.mapper().createObjectNode().put("schema", "2.0");
        root.putObject("header")
                .put("event_id", "ev-" + System.nanoTime())
                .put("event_type", "card.action.trigger")
                .put("create_time", "1760000000000")
                .put("token", "t")
                .put("app_id", "cli_x")
                .put("tenant_key", "tk");
        ObjectNode event = root.putObject("event");
        event.putObject("operator").put("open_id", operator);
        event.put("token", "c");
        ObjectNode action = event.putObject("action");
        action.set("value", value);
        action.put("tag", "button");
        event.putObject("context").put("open_message_id", "om_card").put("open_chat_id", "oc_1");
        return (CardAction) EventDecoder.decode(root);
    }
}
