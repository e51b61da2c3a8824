package dev.larkhandoff.lark.im;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.emulator.model.EmuChat;
import dev.larkhandoff.emulator.model.EmuUser;
import dev.larkhandoff.emulator.openapi.OpenApiServer.CallRecord;
import dev.larkhandoff.lark.EmulatedLark;
import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.UserIdType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class ChatApiTest {

    private static final Duration WAIT = Duration.ofSeconds(30);

    @RegisterExtension
    final EmulatedLark lark = new EmulatedLark();

    private ChatApi chats() {
        return lark.client().chats();
    }

    private String appId() {
        return lark.emulator().app().appId();
    }

    private List<String> callsTo(String method, String path) {
        return lark.control().calls().stream()
                .filter(c -> c.method().equals(method) && c.path().equals(path))
                .map(CallRecord::path)
                .toList();
    }

    // ---- create, get ----

    @Test
    void given_no_owner_when_creating_a_group_then_the_bot_is_in_it_and_owns_it() {
        EmuUser alice = lark.control().addUser("Alice");
        EmuUser bob = lark.control().addUser("Bob");

        Chat created = chats().create(NewChat.group("handoff: repo", "Claude Code session")
                        .withUsers(List.of(alice.openId(), bob.openId())))
                .block(WAIT);

        assertThat(created.chatId()).startsWith("oc_");
        assertThat(created.name()).isEqualTo("handoff: repo");
        assertThat(created.description()).isEqualTo("Claude Code session");
        assertThat(created.chatMode()).isEqualTo("group");
        assertThat(created.ownerIdType()).isEqualTo("app_id");
        assertThat(created.ownerId()).isEqualTo(appId());
        EmuChat stored = lark.emulator().state().chat(created.chatId()).orElseThrow();
        assertThat(stored.botAppIds).containsExactly(appId());
        assertThat(stored.members).containsExactly(alice.openId(), bob.openId());
    }

    @Test
    void given_a_chat_when_getting_it_then_id_is_filled_in_and_string_counts_are_numbers() {
        EmuUser alice = lark.control().addUser("Alice");
        Chat created = chats().create(NewChat.group("g", "d").withUsers(List.of(alice.openId())))
                .block(WAIT);

        Chat read = chats().get(created.chatId()).block(WAIT);

        assertThat(read.chatId()).isEqualTo(created.chatId());
        assertThat(read.name()).isEqualTo("g");
        assertThat(read.userCount()).isEqualTo(1);
        assertThat(read.botCount()).isEqualTo(1);
        assertThat(read.chatMode()).isEqualTo("group");
        assertThat(read.chatStatus()).isEqualTo("normal");
        assertThat(read.ownerIdType()).isEqualTo("app_id");
    }

    @Test
    void given_a_user_owner_when_creating_then_that_user_owns_the_chat() {
        EmuUser alice = lark.control().addUser("Alice");

        Chat created =
                chats().create(NewChat.group("g", "").withOwner(alice.openId())).block(WAIT);

        assertThat(created.ownerId()).isEqualTo(alice.openId());
        assertThat(created.ownerIdType()).isEqualTo("open_id");
        assertThat(chats().get(created.chatId()).block(WAIT).userCount()).isEqualTo(1);
    }

    @Test
    void given_the_same_uuid_when_creating_twice_then_lark_makes_one_chat() {
        Chat first = chats().create(NewChat.group("once", ""), "uuid-123").block(WAIT);
        Chat second = chats().create(NewChat.group("once", ""), "uuid-123").block(WAIT);

        assertThat(second.chatId()).isEqualTo(first.chatId());
        assertThat(lark.emulator().state().chats()).hasSize(1);
    }

    @Test
    void given_a_server_error_on_create_then_it_is_retried_because_create_carries_a_uuid() {
        lark.control().failNext("POST", "/open-apis/im/v1/chats", 503, 1000040343, "busy", 1);

        Chat created = chats().create(NewChat.group("retried", "")).block(WAIT);

        assertThat(created.chatId()).startsWith("oc_");
        assertThat(lark.emulator().state().chats()).hasSize(1);
        assertThat(callsTo("POST", "/open-apis/im/v1/chats")).hasSize(2);
    }

    @Test
    void given_an_unknown_chat_when_getting_it_then_lark_exception_carries_code_and_status() {
        assertThatThrownBy(() -> chats().get("oc_doesnotexist").block(WAIT))
                .isInstanceOfSatisfying(LarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(232011);
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("GET /open-apis/im/v1/chats/oc_doesnotexist");
                });
    }

    @Test
    void given_a_chat_without_the_bot_when_getting_it_then_lark_refuses() {
        EmuUser alice = lark.control().addUser("Alice");
        EmuChat chat = lark.control().createGroup("g", alice);
        lark.emulator().state().withChat(chat.chatId, c -> c.botAppIds.remove(appId()));

        assertThatThrownBy(() -> chats().get(chat.chatId).block(WAIT))
                .isInstanceOfSatisfying(
                        LarkException.class, e -> assertThat(e.code()).isEqualTo(232011));
    }

    @Test
    void given_missing_arguments_then_calls_fail_before_reaching_lark_naming_the_argument() {
        assertThatThrownBy(() -> chats().create(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chat");
        assertThatThrownBy(() -> chats().get(" "))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("chat_id");
        assertThatThrownBy(() -> chats().update("oc_x", ChatUpdate.none()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("update");
        assertThatThrownBy(() -> chats().addMembers("oc_x", List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("id_list");
        List<String> tooMany = IntStream.range(0, 51).mapToObj(i -> "ou_" + i).toList();
        assertThatThrownBy(() -> chats().addMembers("oc_x", tooMany))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("id_list");
        assertThatThrownBy(() -> chats().list(0, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("page_size");
        assertThat(lark.control().calls()).isEmpty();
    }

    // ---- list ----

    @Test
    void given_250_group_chats_when_listing_all_then_every_page_is_walked_in_creation_order() {
        EmuUser alice = lark.control().addUser("Alice");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 250; i++) {
            ids.add(lark.control().createGroup("chat " + i, alice).chatId);
        }

        List<Chat> all = chats().listAll().collectList().block(WAIT);

        assertThat(all).extracting(Chat::chatId).containsExactlyElementsOf(ids);
        assertThat(all.get(0).name()).isEqualTo("chat 0");
        assertThat(all.get(0).ownerId()).isEqualTo(alice.openId());
        assertThat(callsTo("GET", "/open-apis/im/v1/chats")).hasSize(3);
    }

    @Test
    void given_more_chats_than_a_page_when_listing_one_page_then_it_says_there_is_more() {
        EmuUser alice = lark.control().addUser("Alice");
        for (int i = 0; i < 7; i++) {
            lark.control().createGroup("chat " + i, alice);
        }

        Page<Chat> first = chats().list(5, null).block(WAIT);
        Page<Chat> second = chats().list(5, first.pageToken()).block(WAIT);

        assertThat(first.items()).hasSize(5);
        assertThat(first.hasMore()).isTrue();
        assertThat(first.pageToken()).isNotBlank();
        assertThat(second.items()).extracting(Chat::name).containsExactly("chat 5", "chat 6");
        assertThat(second.hasMore()).isFalse();
        assertThat(second.pageToken()).isNull();
    }

    @Test
    void given_p2p_chats_and_chats_without_the_bot_when_listing_then_only_the_bots_groups_are_listed() {
        EmuUser alice = lark.control().addUser("Alice");
        EmuChat group = lark.control().createGroup("mine", alice);
        lark.control().p2pChat(alice);
        EmuChat other = lark.control().createGroup("not mine", alice);
        lark.emulator().state().withChat(other.chatId, c -> c.botAppIds.remove(appId()));

        List<Chat> all = chats().listAll().collectList().block(WAIT);

        assertThat(all).extracting(Chat::chatId).containsExactly(group.chatId);
    }

    // ---- update, dissolve ----

    @Test
    void given_a_chat_when_updating_name_description_and_avatar_then_get_shows_them() throws Exception {
        Chat chat = chats().create(NewChat.group("old", "old description")).block(WAIT);
        Path png = Files.createTempFile("avatar", ".png");
        Files.write(png, new byte[] {(byte) 0x89, 'P', 'N', 'G'});
        String imageKey = lark.client()
                .resources()
                .uploadImage(png, ResourceApi.ImageType.AVATAR)
                .block(WAIT);

        chats().update(
                        chat.chatId(),
                        ChatUpdate.none()
                                .withName("new")
                                .withDescription("new description")
                                .withAvatar(imageKey))
                .block(WAIT);

        Chat read = chats().get(chat.chatId()).block(WAIT);
        assertThat(read.name()).isEqualTo("new");
        assertThat(read.description()).isEqualTo("new description");
        assertThat(read.avatar()).startsWith("https://").contains(imageKey);
    }

    @Test
    void given_a_bot_owned_chat_when_transferring_ownership_then_the_member_owns_it() {
        EmuUser alice = lark.control().addUser("Alice");
        Chat chat = chats().create(NewChat.group("g", "").withUsers(List.of(alice.openId())))
                .block(WAIT);

        chats().update(chat.chatId(), ChatUpdate.none().withOwner(alice.openId()))
                .block(WAIT);

        Chat read = chats().get(chat.chatId()).block(WAIT);
        assertThat(read.ownerId()).isEqualTo(alice.openId());
        assertThat(read.ownerIdType()).isEqualTo("open_id");
    }

    @Test
    void given_a_bot_owned_chat_when_dissolving_then_it_is_gone() {
        Chat chat = chats().create(NewChat.group("short-lived", "")).block(WAIT);

        chats().dissolve(chat.chatId()).block(WAIT);

        assertThat(lark.emulator().state().chat(chat.chatId())).isEmpty();
        assertThatThrownBy(() -> chats().get(chat.chatId()).block(WAIT))
                .isInstanceOfSatisfying(
                        LarkException.class, e -> assertThat(e.code()).isEqualTo(232011));
    }

    @Test
    void given_a_chat_owned_by_a_person_when_the_bot_dissolves_it_then_lark_refuses_and_the_chat_stays() {
        EmuUser alice = lark.control().addUser("Alice");
        EmuChat chat = lark.control().createGroup("alice's", alice);

        assertThatThrownBy(() -> chats().dissolve(chat.chatId).block(WAIT))
                .isInstanceOfSatisfying(LarkException.class, e -> {
                    assertThat(e.code()).isEqualTo(232017);
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("DELETE /open-apis/im/v1/chats/");
                });
        assertThat(lark.emulator().state().chat(chat.chatId)).isPresent();
    }

    // ---- members ----

    @Test
    void given_known_malformed_and_unknown_ids_when_adding_members_then_lark_reports_the_ones_it_could_not_add() {
        EmuUser alice = lark.control().addUser("Alice");
        Chat chat = chats().create(NewChat.group("g", "")).block(WAIT);
        String unknown = "ou_00000000000000000000000000000000";

        MemberChange change = chats().addMembers(chat.chatId(), List.of(alice.openId(), "bogus", unknown))
                .block(WAIT);

        assertThat(change.invalidIdList()).containsExactly("bogus");
        assertThat(change.notExistedIdList()).containsExactly(unknown);
        assertThat(change.pendingApprovalIdList()).isEmpty();
        assertThat(change.complete()).isFalse();
        assertThat(chats().allMembers(chat.chatId()).collectList().block(WAIT))
                .extracting(ChatMember::memberId)
                .containsExactly(alice.openId());
    }

    @Test
    void given_a_bot_owned_chat_when_removing_members_with_a_delete_body_then_they_leave() {
        EmuUser alice = lark.control().addUser("Alice");
        EmuUser bob = lark.control().addUser("Bob");
        Chat chat = chats().create(NewChat.group("g", "").withUsers(List.of(alice.openId(), bob.openId())))
                .block(WAIT);

        MemberChange change = chats().removeMembers(chat.chatId(), List.of(bob.openId(), "ou_notamember"))
                .block(WAIT);

        assertThat(change.invalidIdList()).containsExactly("ou_notamember");
        assertThat(chats().allMembers(chat.chatId()).collectList().block(WAIT))
                .extracting(ChatMember::memberId)
                .containsExactly(alice.openId());
    }

    @Test
    void given_a_chat_owned_by_a_person_when_the_bot_removes_a_member_then_lark_refuses() {
        EmuUser alice = lark.control().addUser("Alice");
        EmuUser bob = lark.control().addUser("Bob");
        EmuChat chat = lark.control().createGroup("alice's", alice, bob);

        assertThatThrownBy(() -> chats().removeMembers(chat.chatId, List.of(bob.openId()))
                        .block(WAIT))
                .isInstanceOfSatisfying(
                        LarkException.class, e -> assertThat(e.code()).isEqualTo(232017));
    }

    @Test
    void given_120_members_when_listing_with_page_size_50_then_three_pages_hold_everyone_and_no_bot() {
        EmuUser owner = lark.control().addUser("Owner");
        EmuUser[] people = IntStream.range(0, 120)
                .mapToObj(i -> lark.control().addUser("Person " + i))
                .toArray(EmuUser[]::new);
        EmuChat chat = lark.control().createGroup("big", owner, people);

        MemberPage first = chats().members(chat.chatId, 50, null).block(WAIT);
        List<ChatMember> walked = Pages.all(
                        token -> chats().members(chat.chatId, 50, token).map(MemberPage::page))
                .collectList()
                .block(WAIT);

        assertThat(first.items()).hasSize(50);
        assertThat(first.hasMore()).isTrue();
        assertThat(first.memberTotal()).isEqualTo(121);
        assertThat(walked).hasSize(121);
        assertThat(walked)
                .extracting(ChatMember::memberId)
                .doesNotHaveDuplicates()
                .contains(owner.openId(), people[119].openId())
                .doesNotContain(lark.emulator().app().botOpenId(), appId());
        assertThat(walked.get(1).name()).isEqualTo("Person 0");
        assertThat(walked.get(1).memberIdType()).isEqualTo("open_id");
        assertThat(callsTo("GET", "/open-apis/im/v1/chats/" + chat.chatId + "/members"))
                .hasSize(4);
        assertThat(chats().allMembers(chat.chatId).collectList().block(WAIT)).hasSize(121);
    }

    @Test
    void given_union_id_type_when_listing_members_then_ids_come_in_that_type() {
        EmuUser alice = lark.control().addUser("Alice");
        EmuChat chat = lark.control().createGroup("g", alice);

        MemberPage page =
                chats().members(chat.chatId, UserIdType.UNION_ID, 20, null).block(WAIT);

        assertThat(page.items()).singleElement().satisfies(m -> {
            assertThat(m.memberId()).isEqualTo(alice.unionId());
            assertThat(m.memberIdType()).isEqualTo("union_id");
        });
    }

    @Test
    void given_a_shuffled_order_of_adds_when_listing_then_members_keep_join_order() {
        EmuUser owner = lark.control().addUser("Owner");
        List<EmuUser> people = new ArrayList<>(IntStream.range(0, 5)
                .mapToObj(i -> lark.control().addUser("P" + i))
                .toList());
        Collections.shuffle(people);
        Chat chat =
                chats().create(NewChat.group("g", "").withOwner(owner.openId())).block(WAIT);

        chats().addMembers(chat.chatId(), people.stream().map(EmuUser::openId).toList())
                .block(WAIT);

        assertThat(chats().allMembers(chat.chatId()).collectList().block(WAIT))
                .extracting(ChatMember::memberId)
                .containsExactlyElementsOf(
                        java.util.stream.Stream.concat(java.util.stream.Stream.of(owner), people.stream())
                                .map(EmuUser::openId)
                                .toList());
    }
}
