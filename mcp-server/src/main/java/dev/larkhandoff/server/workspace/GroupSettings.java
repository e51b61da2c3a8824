package dev.larkhandoff.server.workspace;

import dev.larkhandoff.store.chat.FilterLevel;
import dev.larkhandoff.store.chat.MemberRole;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A group's settings, which travel with the group in its pinned config card: how much tool output it sees, whether
 * tools are approved without asking, its norms (key to text) and its guests and coowners.
 */
public record GroupSettings(
        String chatId, FilterLevel filter, boolean autoapprove, Map<String, String> norms, List<GroupMember> members) {

    public GroupSettings {
        Objects.requireNonNull(chatId, "chatId");
        filter = Objects.requireNonNullElse(filter, FilterLevel.CONCISE);
        norms = Collections.unmodifiableMap(new LinkedHashMap<>(norms == null ? Map.of() : norms));
        members = List.copyOf(members == null ? List.of() : members);
    }

    /** A group nobody has configured: concise, asks before tools, no norms, no members. */
    public static GroupSettings defaults(String chatId) {
        return new GroupSettings(chatId, FilterLevel.CONCISE, false, Map.of(), List.of());
    }

    public Optional<MemberRole> roleOf(String openId) {
        return members.stream()
                .filter(m -> m.openId().equals(openId))
                .map(GroupMember::role)
                .findFirst();
    }

    public GroupSettings withFilter(FilterLevel level) {
        return new GroupSettings(chatId, level, autoapprove, norms, members);
    }

    public GroupSettings withAutoapprove(boolean on) {
        return new GroupSettings(chatId, filter, on, norms, members);
    }

    public GroupSettings withNorm(String key, String text) {
        Map<String, String> next = new LinkedHashMap<>(norms);
        next.put(key, text);
        return new GroupSettings(chatId, filter, autoapprove, next, members);
    }

    public GroupSettings withoutNorm(String key) {
        Map<String, String> next = new LinkedHashMap<>(norms);
        next.remove(key);
        return new GroupSettings(chatId, filter, autoapprove, next, members);
    }

    /** These members added, or given this role when already present; the rest keep their place. */
    public GroupSettings withMembers(List<GroupMember> added) {
        List<GroupMember> next = new ArrayList<>(members);
        for (GroupMember m : added) {
            int at = indexOf(next, m.openId());
            if (at >= 0) {
                next.set(at, m);
            } else {
                next.add(m);
            }
        }
        return new GroupSettings(chatId, filter, autoapprove, norms, next);
    }

    public GroupSettings withoutMembers(List<String> openIds) {
        List<GroupMember> next = new ArrayList<>(members);
        next.removeIf(m -> openIds.contains(m.openId()));
        return new GroupSettings(chatId, filter, autoapprove, norms, next);
    }

    private static int indexOf(List<GroupMember> list, String openId) {
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i).openId().equals(openId)) {
                return i;
            }
        }
        return -1;
    }
}
