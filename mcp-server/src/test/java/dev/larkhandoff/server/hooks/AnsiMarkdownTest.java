package dev.larkhandoff.server.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Terminal output turned into what a terminal would finally show, and into Lark markdown colours. */
class AnsiMarkdownTest {

    @Test
    void carriage_returns_overwrite_so_a_progress_bar_ends_at_its_last_state() {
        assertThat(AnsiMarkdown.strip("Downloading 10%\rDownloading 55%\rDownloading 100%\ndone"))
                .isEqualTo("Downloading 100%\ndone");
    }

    @Test
    void erase_line_and_cursor_up_are_applied() {
        assertThat(AnsiMarkdown.strip("step 1\nstep 2\u001b[1A\r\u001b[2Kstep 1 ok\n"))
                .isEqualTo("step 1 ok\nstep 2");
        assertThat(AnsiMarkdown.strip("abcdef\r\u001b[3C\u001b[K")).isEqualTo("abc");
        assertThat(AnsiMarkdown.strip("abcdef\rxy\u001b[K")).isEqualTo("xy");
    }

    @Test
    void colours_become_font_tags_and_bold_becomes_stars() {
        assertThat(AnsiMarkdown.toMarkdown("\u001b[31mFAIL\u001b[0m and \u001b[1;32mPASS\u001b[0m"))
                .isEqualTo("<font color='red'>FAIL</font> and <font color='green'>**PASS**</font>");
        assertThat(AnsiMarkdown.isStyled("\u001b[33mwarn\u001b[0m")).isTrue();
        assertThat(AnsiMarkdown.isStyled("plain")).isFalse();
    }

    @Test
    void markup_in_the_output_is_shown_not_obeyed() {
        assertThat(AnsiMarkdown.toMarkdown("\u001b[31m<at id=all></at> *x*\u001b[0m"))
                .isEqualTo("<font color='red'>&#60;at id=all&#62;&#60;/at&#62; &#42;x&#42;</font>");
    }
}
