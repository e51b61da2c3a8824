package dev.larkhandoff.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreSettingsTest {

    @TempDir
    Path home;

    private Environment env(String... pairs) {
        Map<String, String> m = new java.util.HashMap<>(Map.of(Environment.HOME, home.toString()));
        for (int i = 0; i < pairs.length; i += 2) {
            m.put(pairs[i], pairs[i + 1]);
        }
        return Environment.of(m);
    }

    @Test
    void given_nothing_configured_then_the_store_is_the_homes_own_file() {
        StoreSettings settings = StoreSettings.load(env(), home);

        assertThat(settings.isShared()).isFalse();
        assertThat(settings.toString()).contains("the home's SQLite file");
    }

    @Test
    void given_a_url_with_its_password_in_config_json_then_it_is_shared_and_never_shown() throws Exception {
        Files.writeString(
                home.resolve("config.json"), "{\"store_url\": \"postgresql://team:hunter2@db.internal:5432/lark\"}");

        StoreSettings settings = StoreSettings.load(env(), home);

        assertThat(settings.isShared()).isTrue();
        assertThat(settings.url()).contains("postgresql://team:hunter2@db.internal:5432/lark");
        assertThat(settings.shownUrl()).contains("postgresql://team:***@db.internal:5432/lark");
        assertThat(settings.toString()).doesNotContain("hunter2");
    }

    @Test
    void given_the_environment_then_it_overrides_the_file_and_gives_the_password() throws Exception {
        Files.writeString(home.resolve("config.json"), "{\"store_url\": \"postgresql://file@a/b\"}");

        StoreSettings settings = StoreSettings.load(
                env(
                        Environment.STORE_URL,
                        "jdbc:postgresql://db:5432/lark?user=team&password=inline",
                        Environment.STORE_PASSWORD,
                        "from-env"),
                home);

        assertThat(settings.url()).contains("jdbc:postgresql://db:5432/lark?user=team&password=inline");
        assertThat(settings.password()).contains("from-env");
        assertThat(settings.shownUrl()).contains("jdbc:postgresql://db:5432/lark?user=team&password=***");
        assertThat(settings.toString()).doesNotContain("from-env").doesNotContain("inline");
    }

    @Test
    void given_a_password_file_of_the_owner_alone_then_its_password_is_used() throws Exception {
        Files.writeString(home.resolve("config.json"), "{\"store_url\": \"postgresql://team@db/lark\"}");
        Path file = home.resolve(StoreSettings.PASSWORD_FILE);
        Files.writeString(file, "s3cret\n");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        StoreSettings settings = StoreSettings.load(env(), home);

        assertThat(settings.password()).contains("s3cret");
        assertThat(settings.toString()).doesNotContain("s3cret").contains("from " + file);
    }

    @Test
    void given_a_password_file_others_can_read_then_it_is_refused_with_the_fix() throws Exception {
        Files.writeString(
                home.resolve("config.json"),
                "{\"store_url\": \"postgresql://team@db/lark\", \"store_password_file\": \"pw.txt\"}");
        Path file = home.resolve("pw.txt");
        Files.writeString(file, "s3cret");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> StoreSettings.load(env(), home))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining("chmod 600")
                .hasMessageNotContaining("s3cret");
    }

    @Test
    void given_init_saves_the_lark_settings_then_the_store_url_in_the_file_is_kept() throws Exception {
        Files.writeString(home.resolve("config.json"), "{\"store_url\": \"postgresql://team@db/lark\"}");

        new LarkHandoffConfig(home, "cli_0123456789abcdef", "s3cret", "lark").save();

        assertThat(StoreSettings.load(env(), home).url()).contains("postgresql://team@db/lark");
        assertThat(LarkHandoffConfig.load(env()).appId()).isEqualTo("cli_0123456789abcdef");
    }
}
