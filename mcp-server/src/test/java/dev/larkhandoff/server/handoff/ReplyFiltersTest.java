package dev.larkhandoff.server.handoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.larkhandoff.lark.card.Button;
import dev.larkhandoff.lark.card.ButtonStyle;
import dev.larkhandoff.lark.card.CardColor;
import dev.larkhandoff.lark.card.Cards;
import dev.larkhandoff.store.chat.ChatMember;
import dev.larkhandoff.store.chat.MemberRole;
import dev.larkhandoff.store.inbox.DeliveryState;
import dev.larkhandoff.store.inbox.InboxRow;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The filter chain of {@link ReplyFilters} on events that went through the emulator and the daemon's recorder into
 * a real store. Nested groups: the guest list (GuestWhitelist, GuestsInTheStore, GuestFilterChain), the sender and
 * need-mention filters (OperatorOnly, NeedMention, OwnAndOtherBots, Relays, FilterChain), and that filtering loses
 * nothing (NothingIsLost).
 */
class ReplyFiltersTest {

    private static final String OTHER_BOT = "ou_0ther0b0t00000000000000000000";

    @RegisterExtension
    final RecordedLark world = new RecordedLark();

    private Screening screen(boolean needMention) {
        return ReplyFilters.forChat(world.bind(needMention), world.store.chats())
                .screen(world.rows());
    }

    private Screening screenWith(String operator, String bot, boolean needMention) {
        return ReplyFilters.forChat(world.bind(operator, bot, needMention), world.store.chats())
                .screen(world.rows());
    }

    private static List<String> texts(Screening s) {
        return s.replies().stream().map(HandoffReply::text).toList();
    }

    private static List<FilterReason> reasons(Screening s) {
        return s.dropped().stream().map(Screening.Dropped::reason).toList();
    }

    @Nested
    class GuestWhitelist {

        @Test
        void operator_tagged_as_owner() {
            world.member(world.guest, MemberRole.GUEST);
            world.says(world.operator, "deploy it");

            assertThat(screen(false).replies())
                    .singleElement()
                    .satisfies(r -> assertThat(r.privilege()).isEqualTo(Privilege.OWNER));
        }

        @Test
        void guest_tagged_as_guest() {
            world.member(world.guest, MemberRole.GUEST);
            world.says(world.guest, "what does this do?");

            assertThat(screen(false).replies())
                    .singleElement()
                    .satisfies(r -> assertThat(r.privilege()).isEqualTo(Privilege.GUEST));
        }

        @Test
        void coowner_tagged_as_coowner() {
            world.member(world.coowner, MemberRole.COOWNER);
            world.says(world.coowner, "approve");

            assertThat(screen(false).replies())
                    .singleElement()
                    .satisfies(r -> assertThat(r.privilege()).isEqualTo(Privilege.COOWNER));
        }

        @Test
        void unknown_sender_excluded() {
            world.member(world.guest, MemberRole.GUEST);
            world.says(world.stranger, "rm -rf /");

            Screening s = screen(false);

            assertThat(s.kept()).isEmpty();
            assertThat(s.dropped()).singleElement().satisfies(d -> {
                assertThat(d.reason()).isEqualTo(FilterReason.SENDER_NOT_ALLOWED);
                assertThat(d.detail()).contains(world.stranger.openId());
            });
        }

        @Test
        void mixed_senders() {
            world.member(world.guest, MemberRole.GUEST);
            world.member(world.coowner, MemberRole.COOWNER);
            world.says(world.operator, "one");
            world.says(world.stranger, "two");
            world.says(world.guest, "three");
            world.says(world.coowner, "four");

            Screening s = screen(false);

            assertThat(s.replies())
                    .extracting(HandoffReply::text, HandoffReply::privilege)
                    .containsExactly(
                            tuple("one", Privilege.OWNER),
                            tuple("three", Privilege.GUEST),
                            tuple("four", Privilege.COOWNER));
            assertThat(s.dropped())
                    .extracting(d -> d.row().event().normalizedText())
                    .containsExactly("two");
        }

        @Test
        void empty_operator_and_members_lets_everyone_through_untagged() {
            world.says(world.stranger, "hello");
            world.says(world.guest, "hi");

            Screening s = screenWith("", world.bot, false);

            assertThat(s.replies())
                    .extracting(HandoffReply::text, HandoffReply::privilege)
                    .containsExactly(tuple("hello", null), tuple("hi", null));
        }

        @Test
        void none_operator_with_members_lets_only_members_through() {
            world.member(world.guest, MemberRole.GUEST);
            world.says(world.operator, "not the operator of this handoff");
            world.says(world.guest, "member");

            Screening s = screenWith("", world.bot, false);

            assertThat(texts(s)).containsExactly("member");
            assertThat(reasons(s)).containsExactly(FilterReason.SENDER_NOT_ALLOWED);
        }

        @Test
        void empty_replies() {
            Screening s =
                    ReplyFilters.forChat(world.bind(false), world.store.chats()).screen(List.of());

            assertThat(s.kept()).isEmpty();
            assertThat(s.dropped()).isEmpty();
        }

        @Test
        void missing_sender_id_excluded() {
            world.member(world.guest, MemberRole.GUEST);
            world.pushedMessage("user", null, "who am I", List.of());

            assertThat(screen(false).dropped()).singleElement().satisfies(d -> {
                assertThat(d.reason()).isEqualTo(FilterReason.SENDER_NOT_ALLOWED);
                assertThat(d.detail()).contains("no sender id");
            });
        }

        @Test
        void original_reply_not_mutated() {
            world.member(world.guest, MemberRole.GUEST);
            world.says(world.guest, "question", world.bot);
            List<InboxRow> before = world.rows();

            Screening first = screen(true);
            Screening second = screen(true);

            assertThat(first.replies())
                    .singleElement()
                    .satisfies(r -> assertThat(r.text()).isEqualTo("question"));
            assertThat(world.rows()).isEqualTo(before);
            assertThat(HandoffReply.fromInbox(before.get(0).event())
                            .orElseThrow()
                            .text())
                    .as("the stored reply keeps its key and has no privilege")
                    .isEqualTo("@_user_1 question");
            assertThat(second).isEqualTo(first);
        }

        @Test
        void operator_is_also_in_member_roles_and_still_owner() {
            world.member(world.operator, MemberRole.GUEST);
            world.says(world.operator, "mine");

            assertThat(screen(false).replies())
                    .singleElement()
                    .satisfies(r -> assertThat(r.privilege()).isEqualTo(Privilege.OWNER));
        }

        @Test
        void role_defaults_to_guest_for_a_member_without_one() {
            world.says(world.guest, "hi");
            var member = new ChatMember(world.chat.chatId, world.guest.openId(), "Gina", null, 0);

            Screening s = ReplyFilters.of(world.operator.openId(), world.bot, false, List.of(member), id -> false)
                    .screen(world.rows());

            assertThat(s.replies())
                    .singleElement()
                    .satisfies(r -> assertThat(r.privilege()).isEqualTo(Privilege.GUEST));
        }
    }

    @Nested
    class GuestsInTheStore {

        @Test
        void a_guest_added_in_the_store_passes_from_the_next_screening() {
            world.says(world.guest, "let me in");
            assertThat(screen(false).kept()).isEmpty();

            world.member(world.guest, MemberRole.GUEST);

            assertThat(screen(false).replies())
                    .extracting(HandoffReply::privilege)
                    .containsExactly(Privilege.GUEST);
        }

        @Test
        void a_removed_guest_is_filtered_again() {
            world.member(world.guest, MemberRole.GUEST);
            world.says(world.guest, "hi");

            world.store.chats().removeMember(world.chat.chatId, world.guest.openId());

            assertThat(reasons(screen(false))).containsExactly(FilterReason.SENDER_NOT_ALLOWED);
        }

        @Test
        void a_guest_promoted_to_coowner_is_tagged_coowner() {
            world.member(world.guest, MemberRole.GUEST);
            world.member(world.guest, MemberRole.COOWNER);
            world.says(world.guest, "approve");

            assertThat(screen(false).replies())
                    .extracting(HandoffReply::privilege)
                    .containsExactly(Privilege.COOWNER);
        }

        @Test
        void guests_are_per_chat() {
            var other = world.lark.control().createGroup("other@laptop", world.operator, world.guest);
            world.store.chats().putMember(other.chatId, world.guest.openId(), "Gina", MemberRole.COOWNER);
            world.says(world.guest, "I am only a guest over there");

            assertThat(reasons(screen(false))).containsExactly(FilterReason.SENDER_NOT_ALLOWED);
        }
    }

    @Nested
    class GuestFilterChain {

        @Test
        void guest_message_passes_both_filters() {
            world.member(world.guest, MemberRole.GUEST);
            world.says(world.guest, "can you explain?", world.bot);

            assertThat(screen(true).replies())
                    .extracting(HandoffReply::text, HandoffReply::privilege)
                    .containsExactly(tuple("can you explain?", Privilege.GUEST));
        }

        @Test
        void guest_without_bot_mention_excluded_by_bot_filter() {
            world.member(world.guest, MemberRole.GUEST);
            world.says(world.guest, "talking to Olivia");

            assertThat(reasons(screen(true))).containsExactly(FilterReason.NOT_ADDRESSED_TO_BOT);
        }

        @Test
        void operator_and_guest_mixed_through_chain() {
            world.member(world.guest, MemberRole.GUEST);
            world.says(world.operator, "op to bot", world.bot);
            world.says(world.guest, "guest to bot", world.bot);
            world.says(world.guest, "guest to people");
            world.says(world.stranger, "stranger to bot", world.bot);

            Screening s = screen(true);

            assertThat(s.replies())
                    .extracting(HandoffReply::text, HandoffReply::privilege)
                    .containsExactly(tuple("op to bot", Privilege.OWNER), tuple("guest to bot", Privilege.GUEST));
            assertThat(reasons(s)).containsExactly(FilterReason.NOT_ADDRESSED_TO_BOT, FilterReason.SENDER_NOT_ALLOWED);
        }

        @Test
        void reaction_from_guest_passes_full_chain() {
            world.member(world.guest, MemberRole.GUEST);
            String mine = world.botSays("done");
            world.reacts(world.guest, mine, "THUMBSUP");

            assertThat(screen(true).replies())
                    .extracting(HandoffReply::msgType, HandoffReply::text, HandoffReply::privilege)
                    .containsExactly(tuple("reaction", "THUMBSUP", Privilege.GUEST));
        }

        @Test
        void no_members_falls_back_to_operator_only() {
            world.says(world.guest, "guest");
            world.says(world.operator, "operator");

            assertThat(texts(screen(false))).containsExactly("operator");
        }

        @Test
        void coowner_passes_without_bot_filter_in_regular_mode() {
            world.member(world.coowner, MemberRole.COOWNER);
            world.says(world.coowner, "no mention needed here");

            assertThat(screen(false).replies())
                    .extracting(HandoffReply::text, HandoffReply::privilege)
                    .containsExactly(tuple("no mention needed here", Privilege.COOWNER));
        }
    }

    @Nested
    class OperatorOnly {

        @Test
        void no_operator_returns_all() {
            world.says(world.guest, "a");
            world.says(world.stranger, "b");

            assertThat(texts(screenWith("", world.bot, false))).containsExactly("a", "b");
        }

        @Test
        void filters_to_matching_operator() {
            world.says(world.guest, "a");
            world.says(world.operator, "b");
            world.says(world.stranger, "c");

            assertThat(screen(false).replies())
                    .extracting(HandoffReply::text, HandoffReply::privilege)
                    .containsExactly(tuple("b", Privilege.OWNER));
        }

        @Test
        void no_match_returns_empty() {
            world.says(world.guest, "a");
            world.says(world.stranger, "b");

            Screening s = screen(false);

            assertThat(s.kept()).isEmpty();
            assertThat(reasons(s)).containsExactly(FilterReason.SENDER_NOT_ALLOWED, FilterReason.SENDER_NOT_ALLOWED);
        }

        @Test
        void missing_sender_id_excluded() {
            world.pushedMessage("user", null, "anonymous", List.of());

            assertThat(reasons(screen(false))).containsExactly(FilterReason.SENDER_NOT_ALLOWED);
        }
    }

    @Nested
    class NeedMention {

        @Test
        void at_mention_passes() {
            world.says(world.operator, "status?", world.bot);

            assertThat(texts(screen(true))).containsExactly("status?");
        }

        @Test
        void at_mention_strips_marker_and_collapses_spaces() {
            world.says(world.operator, "hello   world", world.bot);

            assertThat(texts(screen(true))).containsExactly("hello world");
        }

        @Test
        void at_mention_strips_multiple_markers() {
            world.says(world.operator, "please ask", world.bot, world.guest.openId());

            Screening s = screen(true);

            assertThat(texts(s)).containsExactly("please ask");
            assertThat(s.replies().get(0).mentions())
                    .extracting(HandoffReply.Mention::key, HandoffReply.Mention::id)
                    .containsExactly(tuple("@_user_1", world.bot), tuple("@_user_2", world.guest.openId()));
        }

        @Test
        void at_mention_keys_are_stripped_whole_and_line_breaks_kept() {
            var mentions = List.of(
                    RecordedLark.mentionOf("@_user_1", world.bot, "bot"),
                    RecordedLark.mentionOf("@_user_10", world.guest.openId(), "Gina"));
            world.sends(
                    world.operator,
                    "text",
                    dev.larkhandoff.emulator.EmuJson.object()
                            .put("text", "@_user_10 @_user_1  first line  \n   second line"),
                    mentions);

            assertThat(texts(screen(true))).containsExactly("first line\nsecond line");
        }

        @Test
        void at_mention_wrong_bot_excluded() {
            world.sends(
                    world.operator,
                    "text",
                    dev.larkhandoff.emulator.EmuJson.object().put("text", "@_user_1 hi"),
                    List.of(RecordedLark.mentionOf("@_user_1", OTHER_BOT, "other bot")));

            assertThat(reasons(screen(true))).containsExactly(FilterReason.NOT_ADDRESSED_TO_BOT);
        }

        @Test
        void no_mentions_no_parent_excluded() {
            world.says(world.operator, "just chatting");

            assertThat(reasons(screen(true))).containsExactly(FilterReason.NOT_ADDRESSED_TO_BOT);
        }

        @Test
        void empty_bot_open_id_no_mention_match() {
            world.says(world.operator, "hello", world.bot);

            assertThat(reasons(screenWith(world.operator.openId(), "", true)))
                    .containsExactly(FilterReason.NOT_ADDRESSED_TO_BOT);
        }

        @Test
        void reply_to_bot_message_passes() {
            String mine = world.botSays("which branch?");
            world.repliesTo(world.operator, mine, "main");

            assertThat(screen(true).replies()).singleElement().satisfies(r -> {
                assertThat(r.text()).isEqualTo("main");
                assertThat(r.parentId()).isEqualTo(mine);
            });
        }

        @Test
        void reply_to_non_bot_message_excluded() {
            String theirs = world.says(world.guest, "lunch?");
            world.repliesTo(world.operator, theirs, "sure");

            assertThat(screenWith(world.operator.openId(), world.bot, true).kept())
                    .isEmpty();
        }

        @Test
        void reply_to_bot_no_mention_stripping() {
            String mine = world.botSays("which branch?");
            world.repliesTo(world.operator, mine, "the  one   with  spaces");

            assertThat(texts(screen(true))).containsExactly("the  one   with  spaces");
        }

        @Test
        void reply_to_bot_with_mention_strips() {
            String mine = world.botSays("which branch?");
            world.repliesTo(world.operator, mine, "main please", world.bot);

            assertThat(texts(screen(true))).containsExactly("main please");
        }

        @Test
        void reaction_passes() {
            String mine = world.botSays("done");
            world.reacts(world.operator, mine, "OK");

            assertThat(screen(true).replies()).extracting(HandoffReply::msgType).containsExactly("reaction");
        }

        @Test
        void sticker_passes() {
            world.sticker(world.operator);

            assertThat(screen(true).replies()).extracting(HandoffReply::msgType).containsExactly("sticker");
        }

        @Test
        void reaction_passes_even_without_bot_id() {
            String mine = world.botSays("done");
            world.reacts(world.operator, mine, "OK");

            assertThat(screenWith(world.operator.openId(), "", true).kept()).hasSize(1);
        }

        @Test
        void card_actions_pass_because_they_answer_the_bots_card() {
            String card = world.botSendsCard(Cards.buttons(
                    "Deploy?",
                    CardColor.BLUE,
                    "to prod",
                    List.of(
                            Button.action("Yes", ButtonStyle.PRIMARY, "yes"),
                            Button.action("No", ButtonStyle.DANGER, "no"))));
            world.lark.control().clickButton(world.operator, card, "Yes");

            assertThat(screen(true).replies())
                    .extracting(HandoffReply::msgType, HandoffReply::text)
                    .containsExactly(tuple("button_action", "yes"));
        }

        @Test
        void mixed_messages_filtered() {
            String mine = world.botSays("ready");
            world.says(world.operator, "noise");
            world.says(world.operator, "to bot", world.bot);
            world.repliesTo(world.operator, mine, "reply to bot");
            world.says(world.operator, "more noise");
            world.sticker(world.operator);

            Screening s = screen(true);

            assertThat(s.replies())
                    .extracting(HandoffReply::text)
                    .containsExactly("to bot", "reply to bot", "[sticker]");
            assertThat(s.dropped())
                    .extracting(d -> d.row().event().normalizedText())
                    .containsExactly("noise", "more noise");
        }

        @Test
        void empty_replies_returns_empty() {
            assertThat(ReplyFilters.forChat(world.bind(true), world.store.chats())
                            .screen(List.of())
                            .kept())
                    .isEmpty();
        }

        @Test
        void original_reply_not_mutated() {
            String id = world.says(world.operator, "hello", world.bot);
            InboxRow before = world.row(id);

            screen(true);

            assertThat(world.row(id)).isEqualTo(before);
            assertThat(HandoffReply.fromInbox(before.event()).orElseThrow().text())
                    .isEqualTo("@_user_1 hello");
        }
    }

    @Nested
    class OwnAndOtherBots {

        @Test
        void filters_own_bot() {
            world.pushedMessage("app", world.bot, "my own words", List.of());

            assertThat(reasons(screenWith("", world.bot, false))).containsExactly(FilterReason.OWN_MESSAGE);
        }

        @Test
        void a_message_the_bot_recorded_as_sent_is_its_own_whoever_lark_names_as_sender() {
            String mine = world.botSays("hello");
            world.pushedMessage(mine, "app", "", "hello", List.of());

            assertThat(reasons(screenWith("", "", false))).containsExactly(FilterReason.OWN_MESSAGE);
        }

        @Test
        void passes_other_bots() {
            world.pushedMessage("app", OTHER_BOT, "beep", List.of());

            assertThat(texts(screenWith("", world.bot, false))).containsExactly("beep");
        }

        @Test
        void no_bot_id_passes_all() {
            world.pushedMessage("app", world.bot, "unrecognised", List.of());

            assertThat(texts(screenWith("", "", false))).containsExactly("unrecognised");
        }

        @Test
        void other_bot_filtered_by_operator() {
            world.pushedMessage("app", OTHER_BOT, "beep", List.of());

            assertThat(reasons(screen(false))).containsExactly(FilterReason.SENDER_NOT_ALLOWED);
        }

        @Test
        void other_bot_passes_as_guest() {
            world.store.chats().putMember(world.chat.chatId, OTHER_BOT, "CI bot", MemberRole.GUEST);
            world.pushedMessage("app", OTHER_BOT, "build green", List.of());

            assertThat(screen(false).replies())
                    .extracting(HandoffReply::text, HandoffReply::privilege)
                    .containsExactly(tuple("build green", Privilege.GUEST));
        }

        @Test
        void other_bot_filtered_by_bot_interactions() {
            world.store.chats().putMember(world.chat.chatId, OTHER_BOT, "CI bot", MemberRole.GUEST);
            world.pushedMessage("app", OTHER_BOT, "build green", List.of());

            assertThat(reasons(screen(true))).containsExactly(FilterReason.NOT_ADDRESSED_TO_BOT);
        }

        @Test
        void other_bot_passes_bot_interactions_with_mention() {
            world.store.chats().putMember(world.chat.chatId, OTHER_BOT, "CI bot", MemberRole.GUEST);
            world.pushedMessage(
                    "app",
                    OTHER_BOT,
                    "@_user_1 build green",
                    List.of(RecordedLark.mentionOf("@_user_1", world.bot, "bot")));

            assertThat(texts(screen(true))).containsExactly("build green");
        }
    }

    @Nested
    class Relays {

        private void relay(String text) {
            world.store
                    .inbox()
                    .insertIfAbsent(new Relay(text, "oc_from", "api@desk", "ws-1", 1_760_000_000_000L)
                            .toInboxEvent(world.chat.chatId));
        }

        @Test
        void relay_passes_operator_filter() {
            relay("from the api group");

            assertThat(screen(false).replies()).singleElement().satisfies(r -> {
                assertThat(r.msgType()).isEqualTo("relay");
                assertThat(r.privilege()).isNull();
            });
        }

        @Test
        void relay_passes_allowed_senders_filter() {
            world.member(world.guest, MemberRole.GUEST);
            relay("from the api group");

            assertThat(texts(screen(false))).containsExactly("from the api group");
        }

        @Test
        void relay_passes_bot_interactions_filter() {
            relay("from the api group");

            assertThat(texts(screen(true))).containsExactly("from the api group");
        }

        @Test
        void relay_coexists_with_operator_messages() {
            world.says(world.operator, "before");
            relay("relayed");
            world.says(world.stranger, "stranger");
            world.says(world.operator, "after");

            assertThat(texts(screen(false))).containsExactly("before", "relayed", "after");
        }
    }

    @Nested
    class FilterChain {

        @Test
        void operator_then_bot_filter() {
            world.says(world.stranger, "stranger to bot", world.bot);
            world.says(world.operator, "operator to people");

            Screening s = screen(true);

            assertThat(s.dropped())
                    .extracting(Screening.Dropped::reason)
                    .as("the sender rule runs before the mention rule")
                    .containsExactly(FilterReason.SENDER_NOT_ALLOWED, FilterReason.NOT_ADDRESSED_TO_BOT);
        }

        @Test
        void non_need_mention_skips_bot_filter() {
            world.says(world.operator, "no mention");

            assertThat(texts(screen(false))).containsExactly("no mention");
        }

        @Test
        void non_need_mention_keeps_mention_keys() {
            world.says(world.operator, "hi", world.bot);

            assertThat(texts(screen(false))).containsExactly("@_user_1 hi");
        }

        @Test
        void non_need_mention_with_guests_no_bot_filter() {
            world.member(world.guest, MemberRole.GUEST);
            world.says(world.guest, "no mention");

            assertThat(texts(screen(false))).containsExactly("no mention");
        }

        @Test
        void the_stop_button_is_a_signal_not_a_reply() {
            String card = world.botSendsCard(
                    Cards.working("Bash: make", world.chat.chatId).toJson(Duration.ZERO));
            world.lark.control().clickButton(world.operator, card, "Stop");

            Screening s = screen(false);

            assertThat(s.kept()).isEmpty();
            assertThat(reasons(s)).containsExactly(FilterReason.STOP_SIGNAL);
        }

        @Test
        void events_that_are_not_replies_are_kept_back_by_name() {
            world.lark.control().addBot(world.chat.chatId, world.operator).join();

            assertThat(screen(false).dropped()).singleElement().satisfies(d -> {
                assertThat(d.reason()).isEqualTo(FilterReason.NOT_A_REPLY);
                assertThat(d.detail()).contains("im.chat.member.bot.added_v1");
            });
        }
    }

    /** Filtering happens before anything counts as consumed, so what is kept back stays in the inbox. */
    @Nested
    class NothingIsLost {

        @Test
        void screening_consumes_nothing() {
            world.says(world.operator, "a");
            world.says(world.stranger, "b");

            screen(false);

            assertThat(world.store.inbox().pending()).hasSize(2);
        }

        @Test
        void filtered_rows_are_marked_filtered_with_their_reason_and_stay_in_the_chat_history() {
            world.member(world.guest, MemberRole.GUEST);
            world.says(world.operator, "to bot", world.bot);
            world.says(world.stranger, "let me in");
            world.says(world.guest, "aside");

            Screening s = screen(true);
            s.kept().forEach(k -> world.store.inbox().markDelivered(k.row().dedupeKey(), RecordedLark.SESSION));
            s.dropped().forEach(d -> world.store.inbox().markFiltered(d.row().dedupeKey(), d.describe()));

            assertThat(world.store.inbox().pending()).isEmpty();
            assertThat(world.store.inbox().history(world.chat.chatId, 10))
                    .extracting(r -> r.event().normalizedText(), InboxRow::state, InboxRow::filterReason)
                    .containsExactly(
                            tuple("@lark-handoff-bot to bot", DeliveryState.DELIVERED, null),
                            tuple(
                                    "let me in",
                                    DeliveryState.FILTERED,
                                    "sender_not_allowed: " + world.stranger.openId()
                                            + " is neither the operator nor a guest or coowner of the chat"),
                            tuple(
                                    "aside",
                                    DeliveryState.FILTERED,
                                    "not_addressed_to_bot: the bot must be @-mentioned or replied to in this chat"));
        }
    }
}
