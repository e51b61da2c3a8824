package dev.larkhandoff.server.doctor;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.access.AccessFile;
import dev.larkhandoff.server.access.AccessPolicy;
import dev.larkhandoff.server.access.AccessPolicy.GroupRule;
import dev.larkhandoff.server.config.Environment;
import dev.larkhandoff.server.config.LarkHandoffConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The doctor's look at {@code access.json}: a broken file is an error, a group open to every member a warning. */
class DoctorAccessTest {

    @TempDir
    Path home;

    @Test
    void given_no_access_file_then_the_defaults_are_reported_as_fine() {
        Finding access = access();

        assertThat(access.level()).isEqualTo(Finding.Level.OK);
        assertThat(access.message()).contains("defaults");
    }

    @Test
    void given_an_invalid_access_file_then_it_is_an_error_naming_the_file_and_the_parse_error() throws Exception {
        Files.writeString(home.resolve("access.json"), "{\"allowFrom\": [\"ou_a\",");

        Finding access = access();

        assertThat(access.level()).isEqualTo(Finding.Level.ERROR);
        assertThat(access.message())
                .contains(home.resolve("access.json").toString())
                .contains("line 1");
        assertThat(access.fix()).contains("fix");
    }

    @Test
    void given_a_group_open_to_every_member_then_it_is_a_warning_naming_the_group() {
        new AccessFile(home)
                .save(AccessPolicy.defaults()
                        .withAllowFrom(List.of("ou_a"))
                        .withGroups(Map.of(
                                "oc_open", new GroupRule(true, List.of(GroupRule.ANYONE)),
                                "oc_closed", new GroupRule(true, List.of()))));

        Finding access = access();

        assertThat(access.level()).isEqualTo(Finding.Level.WARNING);
        assertThat(access.message()).contains("oc_open").doesNotContain("oc_closed");
        assertThat(access.fix()).contains("allowFrom");
    }

    @Test
    void given_groups_that_fall_back_to_the_allowlist_then_all_is_well() {
        new AccessFile(home)
                .save(AccessPolicy.defaults()
                        .withAllowFrom(List.of("ou_a"))
                        .withGroups(Map.of(
                                "oc_g",
                                new GroupRule(false, List.of()),
                                "oc_h",
                                new GroupRule(true, List.of("ou_b")))));

        assertThat(access().level()).isEqualTo(Finding.Level.OK);
    }

    private Finding access() {
        List<Finding> findings = new Doctor(home, "1.0.0", Clock.systemUTC(), Optional::empty)
                .examine(h -> LarkHandoffConfig.load(Environment.of(Map.of("LARK_HANDOFF_HOME", h.toString()))));
        return findings.stream()
                .filter(f -> f.check().equals("access"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no finding for access in " + findings));
    }
}
