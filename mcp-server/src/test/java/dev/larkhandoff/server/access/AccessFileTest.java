package dev.larkhandoff.server.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.larkhandoff.server.access.AccessPolicy.DmPolicy;
import dev.larkhandoff.server.access.AccessPolicy.GroupPolicy;
import dev.larkhandoff.server.access.AccessPolicy.GroupRule;
import dev.larkhandoff.server.access.AccessPolicy.PendingPairing;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessFileTest {

    @TempDir
    Path home;

    @Test
    void given_no_file_then_the_defaults_apply() {
        AccessPolicy p = new AccessFile(home).load();

        assertThat(p.dmPolicy()).isEqualTo(DmPolicy.PAIRING);
        assertThat(p.groupPolicy()).isEqualTo(GroupPolicy.ALLOWLIST);
        assertThat(p.allowFrom()).isEmpty();
    }

    @Test
    void given_a_saved_policy_then_it_reads_back_with_camel_case_keys_and_is_private() throws Exception {
        AccessFile file = new AccessFile(home);
        AccessPolicy policy = new AccessPolicy(
                DmPolicy.ALLOWLIST,
                GroupPolicy.FOLLOW_USER,
                List.of("ou_a"),
                Map.of("oc_g", new GroupRule(false, List.of("ou_b"))),
                Map.of("abc123", new PendingPairing(PendingPairing.Kind.GROUP, "ou_c", "oc_h", 1, 2, 1)));

        file.save(policy);

        String json = Files.readString(home.resolve("access.json"));
        assertThat(json)
                .contains("\"dmPolicy\" : \"allowlist\"")
                .contains("\"groupPolicy\" : \"follow-user\"")
                .contains("\"requireMention\" : false")
                .contains("\"kind\" : \"group\"");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("access.json"))))
                .isEqualTo("rw-------");
        assertThat(file.load()).isEqualTo(policy);
    }

    @Test
    void given_a_hand_edited_file_then_missing_fields_take_their_defaults_and_senderless_pairings_are_dropped()
            throws Exception {
        Files.writeString(
                home.resolve("access.json"),
                "{\"allowFrom\":[\"ou_a\"],\"groups\":{\"oc_g\":{}},"
                        + "\"pending\":{\"x\":{\"chatId\":\"oc\"},\"y\":{\"senderId\":\"ou_s\",\"expiresAt\":5}},\"future\":1}");

        AccessPolicy p = new AccessFile(home).load();

        assertThat(p.groups().get("oc_g").requireMention()).isTrue();
        assertThat(p.pending()).containsOnlyKeys("y");
        assertThat(p.pending().get("y").kind()).isEqualTo(PendingPairing.Kind.DM);
    }

    @Test
    void given_an_unparseable_file_then_loading_it_fails_naming_the_file_and_the_error_and_the_file_is_left_as_it_is()
            throws Exception {
        Files.writeString(home.resolve("access.json"), "{not json");

        assertThatThrownBy(() -> new AccessFile(home).load()).isInstanceOfSatisfying(AccessFile.Invalid.class, e -> {
            assertThat(e.getMessage())
                    .startsWith(home.resolve("access.json") + " is not a valid access policy: ")
                    .contains("line 1");
            assertThat(e.problem()).isNotBlank();
        });
        assertThat(Files.readString(home.resolve("access.json"))).isEqualTo("{not json");
        try (var files = Files.list(home)) {
            assertThat(files).hasSize(1);
        }
    }
}
