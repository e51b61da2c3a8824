package dev.larkhandoff.server.handoff;

import static dev.larkhandoff.server.handoff.HandoffJson.json;

import dev.larkhandoff.lark.LarkClient;
import dev.larkhandoff.lark.im.Message;
import dev.larkhandoff.lark.im.OutgoingMessage;
import dev.larkhandoff.lark.im.ResourceApi;
import dev.larkhandoff.server.workspace.LarkIds;
import dev.larkhandoff.store.Store;
import dev.larkhandoff.store.handoff.Binding;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import tools.jackson.databind.node.ObjectNode;

/** Files in and out of the caller's chat: downloading a reply's image or file, uploading and posting a local one. */
public final class HandoffFiles {

    private final LarkClient lark;
    private final Store store;
    private final HandoffInbox inbox;
    private final HandoffOutbox outbox;
    private final MediaDownloads media;
    private final Clock clock;
    private final HandoffChats chats;

    HandoffFiles(
            LarkClient lark,
            Store store,
            HandoffInbox inbox,
            HandoffOutbox outbox,
            MediaDownloads media,
            Clock clock,
            HandoffChats chats) {
        this.lark = lark;
        this.store = store;
        this.inbox = inbox;
        this.outbox = outbox;
        this.media = media;
        this.clock = clock;
        this.chats = chats;
    }

    /** Downloads an image or file of a message into the downloads folder and says where it is. */
    public ObjectNode download(
            Handoffs.Caller caller, String messageId, String imageKey, String fileKey, String fileName) {
        requireInChat(chats.bound(caller), messageId);
        media.prune(Duration.ofDays(1), clock.instant());
        Path path;
        if (imageKey != null) {
            path = media.downloadImage(messageId, imageKey);
        } else if (fileKey != null) {
            path = media.downloadFile(messageId, fileKey, fileName);
        } else {
            throw new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, "give image_key or file_key");
        }
        long size;
        try {
            size = Files.size(path);
        } catch (java.io.IOException e) {
            size = -1;
        }
        return json().put("path", path.toString()).put("bytes", size);
    }

    /** Uploads a local image or file and sends it to the caller's chat. */
    public ObjectNode sendFile(Handoffs.Caller caller, Path file, boolean asImage) {
        Binding b = chats.bound(caller);
        file = sendable(file);
        inbox.answered(caller.sessionId());
        outbox.clearThinking(b.chatId());
        outbox.finishWorking(b.chatId());
        String name = file.getFileName().toString();
        Message sent;
        if (asImage) {
            String key = HandoffOutbox.call(
                    "upload image " + name, lark.resources().uploadImage(file, ResourceApi.ImageType.MESSAGE));
            sent = HandoffOutbox.call(
                    "send image " + name, lark.messages().sendToChat(b.chatId(), OutgoingMessage.image(key)));
        } else {
            String key = HandoffOutbox.call(
                    "upload file " + name, lark.resources().uploadFile(file, fileType(name), name, null));
            sent = HandoffOutbox.call(
                    "send file " + name, lark.messages().sendToChat(b.chatId(), OutgoingMessage.file(key)));
        }
        store.chats()
                .recordSent(new dev.larkhandoff.store.chat.SentMessage(
                        sent.messageId(),
                        b.chatId(),
                        caller.sessionId(),
                        asImage ? "image" : "file",
                        null,
                        name,
                        clock.millis()));
        return json().put("sent", true).put("message_id", sent.messageId());
    }

    /** Media are fetched only for messages of the caller's own chat, so no one reaches into another chat. */
    private void requireInChat(Binding b, String messageId) {
        LarkIds.messageId(messageId, "message_id");
        boolean ours = store.inbox()
                .chatOfMessage(messageId)
                .map(b.chatId()::equals)
                .or(() -> store.chats()
                        .lookupParent(messageId)
                        .map(m -> b.chatId().equals(m.chatId())))
                .orElse(false);
        if (!ours) {
            throw new HandoffException(
                    HandoffException.Problem.INVALID_ARGUMENT,
                    "message " + messageId + " is not a message of this handoff's chat");
        }
    }

    /**
     * A file the agent may post: an existing regular file given by absolute path, and not one of this program's
     * own (its config holds the app secret, its token guards the HTTP front), links followed first.
     */
    private Path sendable(Path file) {
        if (!file.isAbsolute()) {
            throw new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, "path must be absolute, got " + file);
        }
        Path real;
        try {
            real = file.toRealPath();
        } catch (java.io.IOException e) {
            throw new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, "no such file: " + file);
        }
        if (!Files.isRegularFile(real)) {
            throw new HandoffException(HandoffException.Problem.INVALID_ARGUMENT, "not a regular file: " + file);
        }
        Path home = media.directory().getParent();
        try {
            home = home.toRealPath();
        } catch (java.io.IOException e) {
            // the home exists while the daemon runs; if not, the comparison below uses it as given
        }
        if (real.startsWith(home) && !real.startsWith(media.directory())) {
            throw new HandoffException(
                    HandoffException.Problem.INVALID_ARGUMENT,
                    "refusing to send " + file + ": it is one of lark-handoff's own files (" + home
                            + " holds the app secret and tokens)");
        }
        return real;
    }

    private static ResourceApi.FileType fileType(String name) {
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        if (lower.endsWith(".pdf")) {
            return ResourceApi.FileType.PDF;
        }
        if (lower.endsWith(".doc") || lower.endsWith(".docx")) {
            return ResourceApi.FileType.DOC;
        }
        if (lower.endsWith(".xls") || lower.endsWith(".xlsx")) {
            return ResourceApi.FileType.XLS;
        }
        if (lower.endsWith(".ppt") || lower.endsWith(".pptx")) {
            return ResourceApi.FileType.PPT;
        }
        if (lower.endsWith(".mp4")) {
            return ResourceApi.FileType.MP4;
        }
        return ResourceApi.FileType.STREAM;
    }
}
