package dev.larkhandoff.emulator.openapi;

import java.nio.charset.StandardCharsets;

/** One field of a multipart upload: a text value, or a file with its name and type. */
public record FormField(String name, byte[] bytes, String fileName, String contentType, boolean isFile) {

    public String text() {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
