package io.plantline.api.ota;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One byte range of an HTTP {@code Range} header (RFC 9110), so an interrupted firmware download resumes where it
 * stopped. Only single ranges are served; a header with several, or one this parser does not read, is ignored
 * and the whole image is sent, as the RFC allows.
 *
 * @param first the first byte, inclusive
 * @param last  the last byte, inclusive
 */
record ByteRange(long first, long last) {

    private static final Pattern SINGLE = Pattern.compile("bytes=(\\d{0,19})-(\\d{0,19})");

    /** What a request's Range header asks of an image of {@code size} bytes. */
    sealed interface Request permits Whole, Part, Unsatisfiable {
    }

    record Whole() implements Request {
    }

    record Part(ByteRange range) implements Request {
    }

    /** A range that starts beyond the end: answered 416 with {@code Content-Range: bytes *}/size. */
    record Unsatisfiable() implements Request {
    }

    static Request of(Optional<String> header, long size) {
        if (header.isEmpty()) {
            return new Whole();
        }
        Matcher matcher = SINGLE.matcher(header.get().trim());
        if (!matcher.matches() || (matcher.group(1).isEmpty() && matcher.group(2).isEmpty())) {
            return new Whole();
        }
        if (matcher.group(1).isEmpty()) { // bytes=-N: the last N bytes
            long suffix = position(matcher.group(2));
            if (suffix == 0) {
                return new Unsatisfiable();
            }
            return new Part(new ByteRange(Math.max(0, size - suffix), size - 1));
        }
        long first = position(matcher.group(1));
        long last = matcher.group(2).isEmpty() ? size - 1 : Math.min(position(matcher.group(2)), size - 1);
        if (first >= size) {
            return new Unsatisfiable();
        }
        return last < first ? new Whole() : new Part(new ByteRange(first, last));
    }

    /** Up to 19 digits; a number beyond a long is beyond any image, so it counts as the largest long. */
    private static long position(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            return Long.MAX_VALUE;
        }
    }

    long length() {
        return last - first + 1;
    }

    String contentRange(long size) {
        return "bytes " + first + "-" + last + "/" + size;
    }
}
