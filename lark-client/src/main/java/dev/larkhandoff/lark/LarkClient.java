package dev.larkhandoff.lark;

import dev.larkhandoff.lark.contact.BotApi;
import dev.larkhandoff.lark.contact.ContactApi;
import dev.larkhandoff.lark.http.LarkHttp;
import dev.larkhandoff.lark.im.ChatApi;
import dev.larkhandoff.lark.im.ChatTabApi;
import dev.larkhandoff.lark.im.MessageApi;
import dev.larkhandoff.lark.im.PinApi;
import dev.larkhandoff.lark.im.ResourceApi;
import dev.larkhandoff.lark.ws.LongConnection;
import dev.larkhandoff.lark.ws.LongConnectionOptions;

/** Entry point to the Lark Open Platform: one per app, thread-safe, closed when the program stops. */
public final class LarkClient implements AutoCloseable {

    private final LarkHttp http;
    private final MessageApi messages;
    private final ResourceApi resources;
    private final ChatApi chats;
    private final PinApi pins;
    private final ChatTabApi chatTabs;
    private final BotApi bot;
    private final ContactApi contacts;

    private LarkClient(LarkClientConfig config) {
        this.http = new LarkHttp(config);
        this.messages = new MessageApi(http);
        this.resources = new ResourceApi(http);
        this.chats = new ChatApi(http);
        this.pins = new PinApi(http);
        this.chatTabs = new ChatTabApi(http);
        this.bot = new BotApi(http);
        this.contacts = new ContactApi(http);
    }

    public static LarkClient create(LarkClientConfig config) {
        return new LarkClient(config);
    }

    public LarkClientConfig config() {
        return http.config();
    }

    public MessageApi messages() {
        return messages;
    }

    public ResourceApi resources() {
        return resources;
    }

    public ChatApi chats() {
        return chats;
    }

    public PinApi pins() {
        return pins;
    }

    public ChatTabApi chatTabs() {
        return chatTabs;
    }

    /** The bot's own identity. */
    public BotApi bot() {
        return bot;
    }

    /** People's ids by email. */
    public ContactApi contacts() {
        return contacts;
    }

    /** The call executor shared by every API group; for calls this client has no typed method for yet. */
    /**
     * A new long connection for this app. Lark gives each event to one of an app's connections at random,
     * so a program should hold exactly one.
     */
    public LongConnection longConnection(LongConnectionOptions options) {
        return new LongConnection(http, options);
    }

    public LarkHttp http() {
        return http;
    }

    @Override
    public void close() {
        http.close();
    }
}
