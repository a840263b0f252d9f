package io.plantline.api.http;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import spark.Service;

/**
 * Serves the web console ({@code /}, {@code /console/...}) and the WebJars it loads ({@code /webjars/...}) from the
 * classpath's {@code META-INF/resources}, so the API's jar is the whole console. Only plain file names are looked
 * up (no {@code ..}, no hidden files), files found are cached once read, and every answer carries a content security
 * policy that lets the console talk to this server only.
 */
public final class ConsoleFiles {

    private static final String ROOT = "META-INF/resources/";
    private static final Pattern SAFE_PATH = Pattern.compile("(console|webjars)(/[A-Za-z0-9_][A-Za-z0-9_.-]*)+");
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8", "css", "text/css; charset=utf-8", "png", "image/png",
            "svg", "image/svg+xml", "json", "application/json");
    private static final String POLICY = "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:;"
            + " style-src 'self' 'unsafe-inline'; object-src 'none'; frame-ancestors 'none'";

    private final Map<String, byte[]> cache = new ConcurrentHashMap<>();

    /** Declares the routes; before the API's catch-all not-found route. */
    public void register(Service http) {
        http.get("/", (request, response) -> serve("index.html", response));
        http.get("/console/*", (request, response) -> serve(request.pathInfo().substring(1), response));
        http.get("/webjars/*", (request, response) -> serve(request.pathInfo().substring(1), response));
    }

    private Object serve(String path, spark.Response response) {
        Optional<byte[]> file = file(path);
        response.header("Content-Security-Policy", POLICY);
        response.header("X-Content-Type-Options", "nosniff");
        response.header("Cache-Control", "no-cache");
        if (file.isEmpty()) {
            response.status(404);
            response.type("text/plain; charset=utf-8");
            return "not found";
        }
        String extension = path.substring(path.lastIndexOf('.') + 1);
        response.type(TYPES.getOrDefault(extension, "application/octet-stream"));
        return file.get();
    }

    /** Only files found are cached: they are few, while anyone may ask for any number of missing paths. */
    Optional<byte[]> file(String path) {
        if (!path.equals("index.html") && !SAFE_PATH.matcher(path).matches()) {
            return Optional.empty();
        }
        byte[] cached = cache.get(path);
        if (cached != null) {
            return Optional.of(cached);
        }
        Optional<byte[]> read = read(path);
        read.ifPresent(content -> cache.put(path, content));
        return read;
    }

    int cachedFiles() {
        return cache.size();
    }

    private static Optional<byte[]> read(String path) {
        try (InputStream in = ConsoleFiles.class.getClassLoader().getResourceAsStream(ROOT + path)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
