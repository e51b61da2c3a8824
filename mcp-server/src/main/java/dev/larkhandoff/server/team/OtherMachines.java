package dev.larkhandoff.server.team;

import dev.larkhandoff.store.inbox.InboxEvent;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices that this daemon's Lark app is used from another machine while each machine keeps its own store: a
 * message arrives in a handoff group (one whose description carries a workspace tag) this store has no handoff for,
 * and the group's name says it belongs to another machine ({@code <worktree>@<machine>}). Lark then splits that group's messages between the two machines' connections and
 * neither sees them all, so the daemon warns once per machine and its status and {@code doctor} say to configure a
 * shared {@code store_url}. A group's name is looked up once, off the inbound thread.
 */
public final class OtherMachines implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(OtherMachines.class);
    /** How many chats are remembered as looked up; beyond it the oldest lookups may be repeated. */
    private static final int REMEMBERED_CHATS = 10_000;

    /** A handoff group's name, if the chat is one and it can be read. */
    @FunctionalInterface
    public interface ChatNames {
        Optional<String> nameOf(String chatId);
    }

    /** Another machine seen using this app, with the first group that showed it. */
    public record OtherMachine(String machine, String chatId, String chatName, Instant firstSeen) {}

    private final String machine;
    private final ChatNames names;
    private final Predicate<String> boundHere;
    private final Clock clock;
    private final Set<String> lookedUp = ConcurrentHashMap.newKeySet();
    private final Map<String, OtherMachine> seen = new ConcurrentHashMap<>();
    private final ExecutorService lookups;

    /**
     * @param machine   this machine's name, as group names carry it
     * @param boundHere whether a chat has a handoff in this daemon's store (its messages are ours to see)
     */
    public OtherMachines(String machine, ChatNames names, Predicate<String> boundHere, Clock clock) {
        this.machine = machine;
        this.names = names;
        this.boundHere = boundHere;
        this.clock = clock;
        this.lookups = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "other-machines");
            t.setDaemon(true);
            return t;
        });
    }

    /** An event was stored: a group message in a chat without a handoff here is looked at once. */
    public void stored(InboxEvent event) {
        String chatId = event.chatId();
        if (chatId == null
                || !"group".equals(event.chatType())
                || !"im.message.receive_v1".equals(event.eventType())
                || lookedUp.contains(chatId)
                || lookedUp.size() >= REMEMBERED_CHATS) {
            return;
        }
        if (!lookedUp.add(chatId)) {
            return;
        }
        try {
            lookups.execute(() -> lookAt(chatId));
        } catch (RejectedExecutionException e) {
            // closing: nothing more to notice
        }
    }

    private void lookAt(String chatId) {
        if (boundHere.test(chatId)) {
            lookedUp.remove(chatId); // ours now; if it is released later, it may be looked at again
            return;
        }
        Optional<String> name;
        try {
            name = names.nameOf(chatId);
        } catch (RuntimeException e) {
            lookedUp.remove(chatId);
            log.debug("could not read the name of {}: {}", chatId, e.getMessage());
            return;
        }
        name.flatMap(OtherMachines::machineOf)
                .filter(other -> !other.equalsIgnoreCase(machine))
                .ifPresent(other -> {
                    OtherMachine found = new OtherMachine(other, chatId, name.get(), clock.instant());
                    if (seen.putIfAbsent(other.toLowerCase(java.util.Locale.ROOT), found) == null) {
                        log.warn(
                                "this Lark app is also used from {} (the group \"{}\" belongs to it), and each machine"
                                        + " keeps its own store: Lark splits the group's messages between the two."
                                        + " Configure one shared store_url on both (docs/team-mode.md)",
                                other,
                                name.get());
                    }
                });
    }

    /** The machine a handoff group's name names ({@code repo@devbox}, {@code repo2@devbox}), if it is one. */
    static Optional<String> machineOf(String groupName) {
        int at = groupName.lastIndexOf('@');
        if (at <= 0 || at == groupName.length() - 1) {
            return Optional.empty();
        }
        String other = groupName.substring(at + 1).strip();
        return other.isEmpty() || other.chars().anyMatch(Character::isWhitespace)
                ? Optional.empty()
                : Optional.of(other);
    }

    /** The other machines seen so far, first seen first. */
    public List<OtherMachine> seen() {
        List<OtherMachine> out = new ArrayList<>(seen.values());
        out.sort(Comparator.comparing(OtherMachine::firstSeen));
        return out;
    }

    /** The advice status and doctor give when another machine was seen; empty when none was. */
    public Optional<String> advice() {
        List<OtherMachine> others = seen();
        if (others.isEmpty()) {
            return Optional.empty();
        }
        String list =
                String.join(", ", others.stream().map(OtherMachine::machine).toList());
        return Optional.of("this Lark app is also used from " + list
                + "; configure a shared store_url on every machine (docs/team-mode.md), or messages are split between"
                + " the machines");
    }

    @Override
    public void close() {
        lookups.shutdownNow();
    }
}
