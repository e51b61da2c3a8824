package dev.larkhandoff.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LarkHandoffConfigTest {

    @TempDir
    Path home;

    @Test
    void given_a_saved_config_then_it_is_private_and_the_environment_overrides_it() throws Exception {
        new LarkHandoffConfig(home, "cli_0123456789abcdef", "s3cret", "lark").save();

        var fromFile = LarkHandoffConfig.load(Environment.of(Map.of("LARK_HANDOFF_HOME", home.toString())));
        var overridden = LarkHandoffConfig.load(Environment.of(Map.of(
                "LARK_HANDOFF_HOME",
                home.toString(),
                "LARK_APP_SECRET",
                "other",
                "LARK_DOMAIN",
                "http://127.0.0.1:9595")));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(home.resolve("config.json"))))
                .isEqualTo("rw-------");
        assertThat(fromFile.appSecret()).isEqualTo("s3cret");
        assertThat(fromFile.domain()).isEqualTo("lark");
        assertThat(overridden.appId()).isEqualTo("cli_0123456789abcdef");
        assertThat(overridden.appSecret()).isEqualTo("other");
        assertThat(overridden.domain()).isEqualTo("http://127.0.0.1:9595");
        assertThat(fromFile.toString()).doesNotContain("s3cret");
    }

    @Test
    void given_no_home_variable_then_the_home_is_dot_lark_handoff_in_the_user_home() {
        var config = LarkHandoffConfig.load(Environment.of(Map.of("HOME", home.toString())));

        assertThat(config.home()).isEqualTo(home.resolve(".lark-handoff"));
        assertThat(config.hasCredentials()).isFalse();
        assertThat(config.domain()).isEqualTo("feishu");
    }

    @Test
    void given_a_world_readable_or_broken_config_then_it_is_narrowed_or_refused_with_its_name() throws Exception {
        Path file = home.resolve("config.json");
        Files.writeString(file, "{\"app_id\":\"cli_x\"}");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        LarkHandoffConfig.load(Environment.of(Map.of("LARK_HANDOFF_HOME", home.toString())));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
                .isEqualTo("rw-------");

        Files.writeString(file, "{broken");
        assertThatThrownBy(() -> LarkHandoffConfig.load(Environment.of(Map.of("LARK_HANDOFF_HOME", home.toString()))))
                .hasMessageContaining(file.toString())
                .hasMessageContaining("not valid JSON");
    }
}
