package dev.larkhandoff.server.channel;

import dev.larkhandoff.lark.im.MessageApi;
import dev.larkhandoff.lark.im.OutgoingMessage;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Sends a short notice to a chat without blocking the caller (pairing codes); a failure is logged, not thrown. */
public final class ChatNotices implements BiConsumer<String, String> {

    private static final Logger log = LoggerFactory.getLogger(ChatNotices.class);

    /** For a daemon without a Lark app: notices go nowhere. */
    public static final BiConsumer<String, String> NONE = (chatId, text) -> {};

    private final MessageApi messages;

    public ChatNotices(MessageApi messages) {
        this.messages = messages;
    }

    @Override
    public void accept(String chatId, String text) {
        if (chatId == null) {
            return;
        }
        messages.sendToChat(chatId, OutgoingMessage.text(text))
                .subscribe(m -> {}, e -> log.warn("could not send a notice to {}: {}", chatId, e.getMessage()));
    }
}
