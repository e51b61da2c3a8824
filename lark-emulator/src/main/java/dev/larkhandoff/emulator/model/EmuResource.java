package dev.larkhandoff.emulator.model;

/**
 * An uploaded or user-sent image or file.
 *
 * @param kind     {@code image} or {@code file}
 * @param fileType for files: opus, mp4, pdf, doc, xls, ppt or stream
 */
public record EmuResource(
        String key, String kind, byte[] bytes, String fileName, String fileType, String contentType) {}
