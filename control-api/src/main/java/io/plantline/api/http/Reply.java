package io.plantline.api.http;

import java.util.List;

/** What a handler answers besides plain data (which becomes {@code {"data": ...}} with 200). */
public sealed interface Reply {

    /** {@code {"data": ...}} with another status than 200, such as 201 for a creation. */
    record Data(int status, Object data) implements Reply {
    }

    /** A list page: {@code {"data": [...], "pagination": {page, pageSize, total}}}. */
    record Page(List<?> items, int page, int pageSize, long total) implements Reply {
    }

    record NoContent() implements Reply {
    }

    /** A document served as it is, outside the envelope (the OpenAPI document). */
    record Document(String json) implements Reply {
    }

    /** Bytes served as they are (a firmware image, or part of one), with their status and headers. */
    record Binary(int status, byte[] body, java.util.Map<String, String> headers) implements Reply {
    }

    /**
     * Bytes written straight to the client as they are produced (a report's file), {@code length} of them, so a
     * client can tell a cut-off download from a complete one.
     */
    record Stream(String contentType, long length, java.util.Map<String, String> headers, Body body) implements Reply {
    }

    /** Writes a {@link Stream}'s bytes. */
    interface Body {
        void writeTo(java.io.OutputStream out) throws java.io.IOException;
    }

    static Reply created(Object data) {
        return new Data(201, data);
    }

    static Reply noContent() {
        return new NoContent();
    }
}
