package dev.larkhandoff.server.handoff;

import dev.larkhandoff.lark.LarkException;
import dev.larkhandoff.lark.http.LarkHttp;
import dev.larkhandoff.lark.im.ResourceApi;
import dev.larkhandoff.server.workspace.LarkIds;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import reactor.core.Exceptions;

/**
 * Saves the image or file a person sent into {@code <home>/downloads} and says where. The name comes from the
 * sender, so it is made safe ({@link SafeFileName}) and numbered when taken, and the path is checked to be directly
 * inside the directory; the download is refused beyond a size limit, and a failed one leaves no file behind. Blocks
 * on Lark: call it from a worker thread.
 */
public final class MediaDownloads {

    /** The largest image and file this saves, in bytes; 10 MB and 50 MB by default. */
    public record Limits(long maxImageBytes, long maxFileBytes) {
        public static final Limits DEFAULT = new Limits(10L * 1024 * 1024, 50L * 1024 * 1024);

        public Limits {
            if (maxImageBytes <= 0 || maxFileBytes <= 0) {
                throw new IllegalArgumentException("download limits must be positive");
            }
        }
    }

    /** The sub-directory of the home the downloads go to. */
    public static final String DIRECTORY = "downloads";

    private static final Map<String, String> IMAGE_EXTENSIONS = Map.of(
            "image/png",
            "png",
            "image/jpeg",
            "jpg",
            "image/jpg",
            "jpg",
            "image/gif",
            "gif",
            "image/webp",
            "webp",
            "image/bmp",
            "bmp",
            "image/tiff",
            "tiff",
            "image/heic",
            "heic");
    /** Numbered names tried before giving up: far more than a person sends files of one name. */
    private static final int MAX_ALTERNATIVES = 10_000;

    private final ResourceApi resources;
    private final Path directory;
    private final Limits limits;

    public MediaDownloads(ResourceApi resources, Path home, Limits limits) {
        this.resources = Objects.requireNonNull(resources, "resources");
        this.directory = home.resolve(DIRECTORY).toAbsolutePath().normalize();
        this.limits = Objects.requireNonNull(limits, "limits");
    }

    public Path directory() {
        return directory;
    }

    /**
     * Deletes downloads older than {@code maxAge} (a day for the handoff): what people send may be private,
     * and the agent has long since read it. Returns how many went; a file that cannot be deleted is left.
     */
    public int prune(Duration maxAge, java.time.Instant now) {
        if (!Files.isDirectory(directory)) {
            return 0;
        }
        java.time.Instant cutoff = now.minus(maxAge);
        int deleted = 0;
        try (var files = Files.list(directory)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                try {
                    if (Files.isRegularFile(f, java.nio.file.LinkOption.NOFOLLOW_LINKS)
                            && Files.getLastModifiedTime(f).toInstant().isBefore(cutoff)
                            && Files.deleteIfExists(f)) {
                        deleted++;
                    }
                } catch (IOException e) {
                    // Left for the next prune.
                }
            }
        } catch (IOException e) {
            return deleted;
        }
        return deleted;
    }

    /**
     * Saves an image of a message as {@code <image_key>.<png|jpg|…>} (by the type Lark names).
     *
     * @throws HandoffException {@code INVALID_ARGUMENT} for malformed ids, {@code NOT_FOUND} / {@code LARK_ERROR}
     *                          when Lark refuses, {@code TOO_LARGE} beyond the limit, {@code IO} when the disk refuses
     */
    public Path downloadImage(String messageId, String imageKey) {
        LarkIds.messageId(messageId, "message_id");
        LarkIds.resourceKey(imageKey, "image_key");
        SafeFileName name = SafeFileName.of(imageKey + ".png", "image");
        Saved saved = download(messageId, imageKey, ResourceApi.ResourceType.IMAGE, name, limits.maxImageBytes());
        return withImageExtension(saved, name);
    }

    /**
     * Saves a file (also audio, video or a sticker's file) of a message under the name it was sent with, made
     * safe; without a usable name, under its key.
     *
     * @throws HandoffException as {@link #downloadImage}
     */
    public Path downloadFile(String messageId, String fileKey, String fileName) {
        LarkIds.messageId(messageId, "message_id");
        LarkIds.resourceKey(fileKey, "file_key");
        SafeFileName name = SafeFileName.of(fileName, fileKey);
        return download(messageId, fileKey, ResourceApi.ResourceType.FILE, name, limits.maxFileBytes())
                .path();
    }

    /** A saved download and the content type Lark gave it. */
    private record Saved(Path path, String contentType) {}

    private Saved download(String messageId, String key, ResourceApi.ResourceType type, SafeFileName name, long max) {
        String what = type.name().toLowerCase(Locale.ROOT) + " " + key + " of message " + messageId;
        Path target = reserve(name);
        try {
            LarkHttp.Download done =
                    resources.download(messageId, key, type, target, max).block();
            return new Saved(target, done == null ? null : done.contentType());
        } catch (RuntimeException e) {
            discard(target);
            Throwable cause = Exceptions.unwrap(e);
            if (cause instanceof LarkException lark && lark.code() == LarkException.CLIENT_LIMIT) {
                throw new HandoffException(
                        HandoffException.Problem.TOO_LARGE,
                        "the " + what + " is larger than the download limit of " + describe(max)
                                + "; nothing was saved",
                        lark);
            }
            if (cause instanceof LarkException lark) {
                throw HandoffException.lark("download the " + what, lark);
            }
            throw new HandoffException(
                    HandoffException.Problem.IO, "could not save the " + what + " to " + target + ": " + cause, cause);
        }
    }

    /** An image saved as .png is renamed when Lark says it is a JPEG, GIF …, under a name that is free. */
    private Path withImageExtension(Saved saved, SafeFileName name) {
        String contentType = saved.contentType();
        String extension = contentType == null
                ? null
                : IMAGE_EXTENSIONS.get(contentType.split(";")[0].strip().toLowerCase(Locale.ROOT));
        if (extension == null || extension.equals(name.extension())) {
            return saved.path();
        }
        // The image is saved either way: a name that undersells its type is no reason to fail.
        Path renamed;
        try {
            renamed = reserve(name.withExtension(extension));
        } catch (HandoffException e) {
            return saved.path();
        }
        try {
            Files.move(saved.path(), renamed, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return renamed;
        } catch (IOException e) {
            discard(renamed);
            return saved.path();
        }
    }

    /**
     * Creates an empty file under the name (or the first free numbered alternative) atomically, so two downloads
     * of the same name never land on one file; the download then replaces it.
     */
    private Path reserve(SafeFileName name) {
        try {
            createDirectory();
        } catch (IOException e) {
            throw new HandoffException(HandoffException.Problem.IO, "cannot create " + directory + ": " + e, e);
        }
        for (int n = 0; n < MAX_ALTERNATIVES; n++) {
            Path candidate = inside(n == 0 ? name.name() : name.numbered(n));
            try {
                return Files.createFile(candidate);
            } catch (FileAlreadyExistsException taken) {
                // Try the next number.
            } catch (IOException e) {
                throw new HandoffException(HandoffException.Problem.IO, "cannot create " + candidate + ": " + e, e);
            }
        }
        throw new HandoffException(
                HandoffException.Problem.IO,
                "no free name for " + name.name() + " in " + directory + " after " + MAX_ALTERNATIVES + " tries");
    }

    /** The path of a name directly inside the directory; anything else is refused, whatever the name. */
    private Path inside(String fileName) {
        Path resolved = directory.resolve(fileName).normalize();
        if (!directory.equals(resolved.getParent())) {
            throw new HandoffException(
                    HandoffException.Problem.INVALID_ARGUMENT,
                    "file name " + LarkIds.quote(fileName) + " would leave " + directory);
        }
        return resolved;
    }

    private void createDirectory() throws IOException {
        if (Files.isDirectory(directory)) {
            return;
        }
        if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
            // What people send may be private: only the user reads it.
            Files.createDirectories(
                    directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } else {
            Files.createDirectories(directory);
        }
    }

    private static void discard(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // Best effort: the reserved file is empty, and the error the caller gets matters more.
        }
    }

    private static String describe(long bytes) {
        long mb = 1024L * 1024;
        return bytes % mb == 0 ? bytes / mb + " MB (" + bytes + " bytes)" : bytes + " bytes";
    }
}
