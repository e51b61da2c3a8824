package dev.larkhandoff.server.workspace;

import dev.larkhandoff.lark.event.MessageReceived;
import dev.larkhandoff.lark.im.Message;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Someone named in a message, as the operator points at them to add a guest or coowner. */
public record Person(String openId, String name) {

    public Person {
        if (openId == null || openId.isBlank()) {
            throw new WorkspaceException(WorkspaceException.Problem.BAD_ARGUMENT, "a person needs an open_id");
        }
        name = name == null ? "" : name;
    }

    /** The people an inbound message @-mentions, once each, leaving out {@code excluded} (the bot, the operator). */
    public static List<Person> mentionedIn(List<MessageReceived.Mention> mentions, Set<String> excluded) {
        Map<String, Person> out = new LinkedHashMap<>();
        for (MessageReceived.Mention m : mentions) {
            String openId = m.id() == null ? null : m.id().openId();
            add(out, openId, m.name(), excluded);
        }
        return List.copyOf(out.values());
    }

    /** The people a message read from Lark @-mentions, once each, leaving out {@code excluded}. */
    public static List<Person> mentionedInMessage(Message message, Set<String> excluded) {
        Map<String, Person> out = new LinkedHashMap<>();
        for (Message.Mention m : message.mentions()) {
            add(out, "open_id".equals(m.idType()) || m.idType() == null ? m.id() : null, m.name(), excluded);
        }
        return List.copyOf(out.values());
    }

    private static void add(Map<String, Person> out, String openId, String name, Set<String> excluded) {
        // @all and mentions without an open_id name nobody in particular.
        if (openId == null || openId.isBlank() || "all".equals(openId) || excluded.contains(openId)) {
            return;
        }
        out.putIfAbsent(openId, new Person(openId, name));
    }
}
