package dev.larkhandoff.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.larkhandoff.server.routing.InboxRouter.Verdict;
import dev.larkhandoff.server.world.TestWorld;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.inbox.InboxEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The access policy is judged from memory while it is unchanged: {@code access.json} is read again only when its
 * stamp (modification time, size, identity) changed, the team's row when another process signalled a change, after
 * {@link AccessTable#MAX_AGE}, or after this daemon's own write. Real SQLite store, real files.
 */
class AccessPolicyCacheTest {

    private static final String ALICE = "ou_alice";
    private static final String BOB = "ou_bob";

    @RegisterExtension
    final TestWorld world = TestWorld.builder().store().build();

    private final AtomicInteger reads = new AtomicInteger();
    private Store store;
    private Path home;
    private int seq;

    @BeforeEach
    void home() {
        store = world.store();
        home = world.home();
    }

    private ChannelAccess judgeBy(AccessSource source) {
        return new ChannelAccess(source, store.chats(), store.inbox(), Clock.systemUTC(), () -> "ou_bot", (c, t) -> {});
    }

    private AccessFile countedFile() {
        return new AccessFile(home, file -> {
            reads.incrementAndGet();
            return Files.readString(file);
        });
    }

    private InboxEvent directMessage(String sender) {
        seq++;
        return InboxEvent.of("e" + seq, "im.message.receive_v1", "{}")
                .withMessage("om_" + seq, "oc_dm_" + sender, "p2p", sender, "user", "text", "hi", (long) seq);
    }

    private static AccessPolicy allowing(String... senders) {
        return new AccessPolicy(AccessPolicy.DmPolicy.ALLOWLIST, null, List.of(senders), null, null);
    }

    @Test
    void given_an_unchanged_access_json_when_a_hundred_events_are_judged_then_the_file_is_read_once() {
        new AccessFile(home).save(allowing(ALICE));
        ChannelAccess access = judgeBy(countedFile());

        for (int i = 0; i < 100; i++) {
            assertThat(access.apply(directMessage(ALICE))).isInstanceOf(Verdict.Deliver.class);
        }

        assertThat(reads).hasValue(1);
    }

    @Test
    void given_the_operator_edits_access_json_in_place_when_the_next_event_comes_then_it_is_judged_by_the_edit()
            throws Exception {
        new AccessFile(home).save(allowing(ALICE));
        ChannelAccess access = judgeBy(countedFile());
        assertThat(access.apply(directMessage(BOB))).isInstanceOf(Verdict.Withhold.class);

        // An editor writing over the same file (same inode), as a person would.
        Files.writeString(
                home.resolve(AccessFile.FILE_NAME),
                "{\"dmPolicy\":\"allowlist\",\"allowFrom\":[\"" + ALICE + "\",\"" + BOB + "\"]}");

        assertThat(access.apply(directMessage(BOB))).isInstanceOf(Verdict.Deliver.class);
        assertThat(reads).hasValue(2);
    }

    @Test
    void given_access_json_replaced_by_another_process_when_the_next_event_comes_then_it_is_judged_by_the_new_file() {
        new AccessFile(home).save(allowing(ALICE));
        ChannelAccess access = judgeBy(countedFile());
        assertThat(access.apply(directMessage(ALICE))).isInstanceOf(Verdict.Deliver.class);

        // The CLI's atomic rename: a new file in the old one's place.
        new AccessFile(home).save(allowing("ou_eve"));

        assertThat(access.apply(directMessage(ALICE))).isInstanceOf(Verdict.Withhold.class);
        assertThat(access.apply(directMessage("ou_eve"))).isInstanceOf(Verdict.Deliver.class);
        assertThat(reads).hasValue(2);
    }

    @Test
    void given_a_broken_access_json_when_events_keep_coming_then_it_is_parsed_once_until_it_changes() throws Exception {
        Files.writeString(home.resolve(AccessFile.FILE_NAME), "{not json");
        ChannelAccess access = judgeBy(countedFile());

        for (int i = 0; i < 10; i++) {
            assertThat(access.apply(directMessage(ALICE)))
                    .isInstanceOfSatisfying(
                            Verdict.Withhold.class, w -> assertThat(w.reason()).startsWith(ChannelAccess.INVALID));
        }
        assertThat(reads).hasValue(1);

        new AccessFile(home).save(allowing(ALICE));

        assertThat(access.apply(directMessage(ALICE))).isInstanceOf(Verdict.Deliver.class);
        assertThat(reads).hasValue(2);
    }

    @Test
    void given_access_json_deleted_when_the_next_event_comes_then_the_defaults_apply() throws Exception {
        new AccessFile(home).save(allowing(ALICE));
        AccessFile file = countedFile();
        assertThat(file.load().allowFrom()).containsExactly(ALICE);

        Files.delete(home.resolve(AccessFile.FILE_NAME));

        assertThat(file.load()).isEqualTo(AccessPolicy.defaults());
    }

    @Test
    void given_a_team_policy_when_another_daemon_changes_it_then_it_is_seen_after_the_signal_or_the_max_age() {
        AtomicLong nanos = new AtomicLong();
        AccessTable mine = new AccessTable(store.settings(), "team", store.signals(), nanos::get);
        AccessTable theirs = new AccessTable(store.settings(), "team");
        theirs.save(allowing(ALICE));
        ChannelAccess access = judgeBy(mine);
        assertThat(access.apply(directMessage(BOB))).isInstanceOf(Verdict.Withhold.class);

        theirs.save(allowing(ALICE, BOB));
        assertThat(access.apply(directMessage(BOB)))
                .as("judged from memory until told or stale")
                .isInstanceOf(Verdict.Withhold.class);
        mine.changedElsewhere();
        assertThat(access.apply(directMessage(BOB))).isInstanceOf(Verdict.Deliver.class);

        theirs.save(allowing(ALICE));
        nanos.addAndGet(AccessTable.MAX_AGE.toNanos() - 1);
        assertThat(access.apply(directMessage(BOB))).isInstanceOf(Verdict.Deliver.class);
        nanos.addAndGet(1);
        assertThat(access.apply(directMessage(BOB)))
                .as("a lost signal costs at most the max age")
                .isInstanceOf(Verdict.Withhold.class);
    }

    @Test
    void given_a_team_policy_when_this_daemon_writes_it_then_the_next_event_is_judged_by_the_write() {
        AtomicLong nanos = new AtomicLong();
        AccessTable mine = new AccessTable(store.settings(), "team", store.signals(), nanos::get);
        mine.save(allowing(ALICE));
        ChannelAccess access = judgeBy(mine);
        assertThat(access.apply(directMessage(BOB))).isInstanceOf(Verdict.Withhold.class);

        mine.save(allowing(ALICE, BOB));

        assertThat(access.apply(directMessage(BOB))).isInstanceOf(Verdict.Deliver.class);
        assertThat(Duration.ofNanos(nanos.get())).isZero();
    }
}
