package dev.larkhandoff.server.workspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.lark.event.MessageReceived;
import dev.larkhandoff.lark.event.UserId;
import dev.larkhandoff.lark.im.Message;
import dev.larkhandoff.store.chat.MemberRole;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The guest list (guest-add / guest-remove / guest-list; a coowner stays one, a missing role reads as guest):
 * people named by a message's mentions become
 * guests or coowners, kept in the store (where the access gate reads roles) and mirrored in the pinned card.
 */
class GroupMembersTest {

    @RegisterExtension
    final WorkspaceLevel world = new WorkspaceLevel();

    private GroupConfig config;
    private EmuChat group;
    private EmuUser bob;
    private EmuUser carol;

    @BeforeEach
    void start() {
        config = world.config();
        group = world.workspaceGroup("api@mac");
        bob = world.lark.control().addUser("Bob");
        carol = world.lark.control().addUser("Carol Ünïcødé 名前");
    }

    private List<Person> mentionedBy(String... openIds) {
        String id = world.lark
                .control()
                .sendText(world.operator, group.chatId, "please add", openIds)
                .messageId();
        Message message = world.client().messages().get(id).block();
        return Person.mentionedInMessage(message, Set.of(world.lark.app().botOpenId(), world.operator.openId()));
    }

    @Test
    void given_a_message_mentioning_people_when_adding_them_as_guests_then_the_store_and_the_card_have_them() {
        List<Person> people =
                mentionedBy(world.lark.app().botOpenId(), bob.openId(), carol.openId(), world.operator.openId());

        ConfigWrite<List<GroupMember>> added = config.addMembers(group.chatId, people, MemberRole.GUEST);

        assertThat(people).extracting(Person::openId).containsExactly(bob.openId(), carol.openId());
        assertThat(added.change()).extracting(GroupMember::name).containsExactly("Bob", "Carol Ünïcødé 名前");
        assertThat(added.syncedToGroup()).isTrue();
        assertThat(config.members(group.chatId))
                .extracting(GroupMember::openId, GroupMember::role)
                .containsExactly(tuple(bob.openId(), MemberRole.GUEST), tuple(carol.openId(), MemberRole.GUEST));
        assertThat(world.store().chats().roleOf(group.chatId, carol.openId())).hasValue(MemberRole.GUEST);
        assertThat(world.store().chats().roleOf(group.chatId, world.operator.openId()))
                .isEmpty();
        try (WorkspaceLevel.Machine other = world.otherMachine()) {
            assertThat(other.config.refresh(group.chatId).members())
                    .extracting(GroupMember::name)
                    .containsExactly("Bob", "Carol Ünïcødé 名前");
        }
    }

    @Test
    void given_existing_guests_when_adding_them_again_then_duplicates_are_skipped_and_a_new_role_is_applied() {
        config.addMembers(group.chatId, List.of(new Person(bob.openId(), "Bob")), MemberRole.GUEST);
        long patches = world.calls("PATCH", "/open-apis/im/v1/messages/");

        ConfigWrite<List<GroupMember>> again = config.addMembers(
                group.chatId,
                List.of(new Person(bob.openId(), "Bob"), new Person(bob.openId(), "Bob")),
                MemberRole.GUEST);
        ConfigWrite<List<GroupMember>> promoted = config.addMembers(
                group.chatId,
                List.of(new Person(bob.openId(), "Bob"), new Person(carol.openId(), "Carol")),
                MemberRole.COOWNER);

        assertThat(again.change()).isEmpty();
        assertThat(world.calls("PATCH", "/open-apis/im/v1/messages/")).isEqualTo(patches + 1);
        assertThat(promoted.change()).extracting(GroupMember::openId).containsExactly(bob.openId(), carol.openId());
        assertThat(world.store().chats().roleOf(group.chatId, bob.openId())).hasValue(MemberRole.COOWNER);
        assertThat(config.members(group.chatId)).hasSize(2);
    }

    @Test
    void given_members_when_removing_some_unknown_and_then_all_then_the_list_follows() {
        config.addMembers(
                group.chatId,
                List.of(new Person(bob.openId(), "Bob"), new Person(carol.openId(), "Carol")),
                MemberRole.GUEST);

        assertThat(config.removeMembers(group.chatId, List.of("ou_nobody")).change())
                .isEmpty();
        assertThat(config.removeMembers(group.chatId, List.of(bob.openId())).change())
                .extracting(GroupMember::openId)
                .containsExactly(bob.openId());
        assertThat(config.members(group.chatId)).extracting(GroupMember::openId).containsExactly(carol.openId());
        assertThat(world.store().chats().roleOf(group.chatId, bob.openId())).isEmpty();

        config.removeMembers(group.chatId, List.of(carol.openId()));
        assertThat(config.members(group.chatId)).isEmpty();
        try (WorkspaceLevel.Machine other = world.otherMachine()) {
            assertThat(other.config.refresh(group.chatId).members()).isEmpty();
        }
    }

    @Test
    void given_event_mentions_then_people_are_taken_once_each_without_the_bot_everyone_or_the_excluded() {
        List<MessageReceived.Mention> mentions = List.of(
                new MessageReceived.Mention("@_user_1", new UserId(bob.openId(), null, null), "Bob", null),
                new MessageReceived.Mention("@_user_2", new UserId("ou_bot", null, null), "Bot", null),
                new MessageReceived.Mention("@_all", new UserId("all", null, null), "Everyone", null),
                new MessageReceived.Mention("@_user_3", new UserId(bob.openId(), null, null), "Bob", null));

        assertThat(Person.mentionedIn(mentions, Set.of("ou_bot"))).containsExactly(new Person(bob.openId(), "Bob"));
    }

    @Test
    void given_nobody_to_add_or_remove_then_the_call_is_refused_naming_what_is_missing() {
        assertThatThrownBy(() -> config.addMembers(group.chatId, List.of(), MemberRole.GUEST))
                .hasMessageContaining("mention them");
        assertThatThrownBy(() -> config.removeMembers(group.chatId, List.of()))
                .hasMessageContaining("at least one open_id");
    }
}
