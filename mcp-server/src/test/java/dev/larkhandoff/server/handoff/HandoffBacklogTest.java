package dev.larkhandoff.server.handoff;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.routing.DeliveryTools;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A handoff that comes back to a backlog larger than one result can carry (60 messages at Lark's 150 KB cap): the
 * loop gets it page by page, each page under the transport's limit, nothing twice and nothing lost, and the history
 * stays within a page.
 */
class HandoffBacklogTest extends HandoffDaemonTest {

    private static final int MESSAGES = 60;
    private static final int PAGE_LIMIT = 4 * 1024 * 1024;

    @Test
    void given_a_backlog_of_large_replies_then_the_loop_gets_them_in_bounded_pages_each_once() throws Exception {
        String chat = agent.start();
        for (int i = 0; i < MESSAGES; i++) {
            world.control()
                    .sendText(world.operator(), chat, String.format("%03d ", i) + "z".repeat(150 * 1024 - 4))
                    .awaitAcks(HandoffLoopTest.STORED);
        }

        List<String> got = new ArrayList<>();
        int pages = 0;
        JsonNode page = agent.ok(DeliveryTools.WAIT_FOR_REPLY, Map.of("timeout_seconds", 10));
        while (true) {
            pages++;
            assertThat(page.toString().length()).isLessThan(PAGE_LIMIT);
            page.path("replies").forEach(r -> got.add(r.path("text").asString().substring(0, 3)));
            if (!page.path("more").asBoolean(false)) {
                break;
            }
            assertThat(pages).as("pages").isLessThan(MESSAGES);
            page = agent.ok(HandoffTools.SEND_AND_WAIT, Map.of("message", "read " + got.size(), "timeout_seconds", 10));
        }

        assertThat(pages).isGreaterThan(1);
        assertThat(got).hasSize(MESSAGES).doesNotHaveDuplicates();
        assertThat(got.get(MESSAGES - 1)).isEqualTo(String.format("%03d", MESSAGES - 1));
        JsonNode history = agent.ok(HandoffTools.HISTORY, Map.of("limit", 200));
        assertThat(history.toString().length()).isLessThan(PAGE_LIMIT);
        assertThat(history.path("more").asBoolean()).isTrue();
        assertThat(history.path("messages")
                        .get(history.path("messages").size() - 1)
                        .path("text")
                        .asString())
                .startsWith(String.format("%03d", MESSAGES - 1));
    }
}
