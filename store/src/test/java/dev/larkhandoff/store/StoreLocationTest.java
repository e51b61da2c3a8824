package dev.larkhandoff.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoreLocationTest {

    @Test
    void given_a_libpq_url_when_parsed_then_every_part_is_read_and_the_port_defaults_to_5432() {
        StoreLocation.Postgres full = StoreLocation.parse("postgresql://lark:s3cret@db.example:6543/handoff");
        StoreLocation.Postgres noPort = StoreLocation.parse("postgres://lark:s3cret@db.example/handoff");

        assertThat(full)
                .isEqualTo(new StoreLocation.Postgres("db.example", 6543, "handoff", "lark", "s3cret", Map.of()));
        assertThat(noPort.port()).isEqualTo(5432);
        assertThat(full.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/handoff");
        assertThat(full.connectionProperties()).containsEntry("user", "lark").containsEntry("password", "s3cret");
    }

    @Test
    void given_a_jdbc_url_with_user_password_and_options_in_its_query_then_they_are_read_and_the_options_kept() {
        StoreLocation.Postgres location = StoreLocation.parse(
                "jdbc:postgresql://db.internal:5433/lark_team?user=daemon&password=pw&sslmode=require");

        assertThat(location.user()).isEqualTo("daemon");
        assertThat(location.password()).isEqualTo("pw");
        assertThat(location.options()).containsExactly(Map.entry("sslmode", "require"));
        assertThat(location.connectionProperties()).containsEntry("sslmode", "require");
        assertThat(location.describe()).isEqualTo("db.internal:5433/lark_team");
    }

    @Test
    void given_a_password_with_reserved_characters_then_percent_escapes_are_decoded_and_at_and_colon_may_stand() {
        assertThat(StoreLocation.parse("postgresql://lark:p%2Fa%3Fss%23w%25rd@h/db")
                        .password())
                .isEqualTo("p/a?ss#w%rd");
        assertThat(StoreLocation.parse("postgresql://lark:p@ss:w+rd@h/db").password())
                .isEqualTo("p@ss:w+rd");
    }

    @Test
    void given_an_ipv6_host_then_it_is_read_and_written_back_in_brackets() {
        StoreLocation.Postgres location = StoreLocation.parse("postgresql://lark@[::1]:5432/db");

        assertThat(location.host()).isEqualTo("::1");
        assertThat(location.password()).isNull();
        assertThat(location.describe()).isEqualTo("[::1]:5432/db");
        assertThat(location.jdbcUrl()).isEqualTo("jdbc:postgresql://[::1]:5432/db");
    }

    @Test
    void given_a_location_with_a_password_then_neither_to_string_nor_describe_shows_it() {
        StoreLocation.Postgres location =
                StoreLocation.parse("postgresql://lark:hunter2@db:5432/handoff?sslpassword=alsosecret");

        assertThat(location.toString())
                .isEqualTo("postgresql://lark@db:5432/handoff")
                .doesNotContain("hunter2", "alsosecret");
        assertThat(location.describe()).isEqualTo("db:5432/handoff");
        assertThat(location.withPassword("other").password()).isEqualTo("other");
    }

    @Test
    void given_malformed_urls_then_each_is_refused_saying_what_is_wrong_without_quoting_the_password() {
        assertThatThrownBy(() -> StoreLocation.parse("mysql://lark:hunter2@db/handoff"))
                .hasMessageContaining("starts with postgresql://")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> StoreLocation.parse("postgresql://lark:hun/ter2@db/handoff"))
                .hasMessageContaining("percent-encode")
                .hasMessageNotContaining("hunter2")
                .hasMessageNotContaining("ter2");
        assertThatThrownBy(() -> StoreLocation.parse("postgresql://lark:hunter2@db:5432"))
                .hasMessageContaining("names its database")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> StoreLocation.parse("postgresql://:hunter2@db/handoff"))
                .hasMessageContaining("names the user")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> StoreLocation.parse("postgresql://lark:hunt%zzer2@db/handoff"))
                .hasMessageContaining("broken %-escape")
                .hasMessageNotContaining("hunt");
        assertThatThrownBy(() -> StoreLocation.parse("postgresql://lark@a:5432,b:5432/handoff"))
                .hasMessageContaining("one host");
    }

    @Test
    void given_a_sqlite_location_then_it_is_described_by_its_path() {
        StoreLocation.SqliteFile file = StoreLocation.sqlite(Path.of("/home/me/.lark-handoff/lark-handoff.db"));

        assertThat(file.describe()).isEqualTo("/home/me/.lark-handoff/lark-handoff.db");
        assertThat(file).hasToString("/home/me/.lark-handoff/lark-handoff.db");
    }
}
