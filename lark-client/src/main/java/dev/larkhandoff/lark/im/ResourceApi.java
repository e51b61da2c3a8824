package dev.larkhandoff.lark.im;

import dev.larkhandoff.lark.http.ApiRequest;
import dev.larkhandoff.lark.http.ApiRequest.FormPart;
import dev.larkhandoff.lark.http.LarkHttp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import reactor.core.publisher.Mono;

/** Images and files: multipart uploads, and downloads of a message's resources streamed to disk. */
public final class ResourceApi {

    /** Lark refuses images over 10 MB. */
    public static final long MAX_IMAGE_BYTES = 10L * 1024 * 1024;
    /** Lark refuses files over 30 MB. */
    public static final long MAX_FILE_BYTES = 30L * 1024 * 1024;

    /** What an uploaded image is for. */
    public enum ImageType {
        MESSAGE,
        AVATAR
    }

    /** Lark's {@code file_type} of an upload. */
    public enum FileType {
        OPUS,
        MP4,
        PDF,
        DOC,
        XLS,
        PPT,
        STREAM
    }

    /** Which kind of resource a message key names. */
    public enum ResourceType {
        IMAGE,
        FILE
    }

    private final LarkHttp http;

    public ResourceApi(LarkHttp http) {
        this.http = http;
    }

    /** Uploads an image and returns its {@code image_key}. */
    public Mono<String> uploadImage(Path image, ImageType type) {
        checkUpload(image, MAX_IMAGE_BYTES, "image");
        return http.callData(ApiRequest.post("/open-apis/im/v1/images")
                        .form(List.of(
                                FormPart.text("image_type", type.name().toLowerCase(Locale.ROOT)),
                                FormPart.file(
                                        "image", image, image.getFileName().toString(), contentType(image))))
                        .build())
                .map(data -> data.path("image_key").asString());
    }

    /** Uploads a file and returns its {@code file_key}; {@code durationMillis} only for audio and video. */
    public Mono<String> uploadFile(Path file, FileType type, String fileName, Long durationMillis) {
        checkUpload(file, MAX_FILE_BYTES, "file");
        List<FormPart> parts = new ArrayList<>();
        parts.add(FormPart.text("file_type", type.name().toLowerCase(Locale.ROOT)));
        parts.add(
                FormPart.text("file_name", fileName == null ? file.getFileName().toString() : fileName));
        if (durationMillis != null) {
            parts.add(FormPart.text("duration", String.valueOf(durationMillis)));
        }
        parts.add(FormPart.file("file", file, file.getFileName().toString(), contentType(file)));
        return http.callData(
                        ApiRequest.post("/open-apis/im/v1/files").form(parts).build())
                .map(data -> data.path("file_key").asString());
    }

    /**
     * Streams a resource of a message (an image or file someone sent) into {@code target}. Fails with
     * {@code CLIENT_LIMIT} beyond {@code maxBytes}, leaving no partial file.
     */
    public Mono<LarkHttp.Download> download(
            String messageId, String key, ResourceType type, Path target, long maxBytes) {
        return http.download(
                ApiRequest.get("/open-apis/im/v1/messages/:message_id/resources/:file_key")
                        .pathParam("message_id", messageId)
                        .pathParam("file_key", key)
                        .query("type", type.name().toLowerCase(Locale.ROOT))
                        .build(),
                target,
                maxBytes);
    }

    private static void checkUpload(Path path, long max, String what) {
        try {
            long size = Files.size(path);
            if (size == 0) {
                throw new IllegalArgumentException(what + " " + path.getFileName() + " is empty");
            }
            if (size > max) {
                throw new IllegalArgumentException(
                        what + " " + path.getFileName() + " is " + size + " bytes; Lark accepts at most " + max);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + what + " " + path, e);
        }
    }

    private static String contentType(Path path) {
        try {
            String probed = Files.probeContentType(path);
            return probed == null ? "application/octet-stream" : probed;
        } catch (IOException e) {
            return "application/octet-stream";
        }
    }
}
