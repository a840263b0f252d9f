package io.plantline.testing;

import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;

/** Starts a server at most once per test JVM and stops it when the JVM's tests are done. */
final class SharedServers {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedServers.class);

    private SharedServers() {
    }

    static <T> T get(ExtensionContext context, Class<T> type, Supplier<T> start) {
        ExtensionContext.Store store = context.getRoot().getStore(NAMESPACE);
        Holder holder = store.getOrComputeIfAbsent(type, key -> new Holder(start.get()), Holder.class);
        return type.cast(holder.server);
    }

    /** The root store closes what it holds after the last test of the JVM. */
    private record Holder(Object server) implements AutoCloseable {
        @Override
        public void close() throws Exception {
            if (server instanceof AutoCloseable closeable) {
                closeable.close();
            }
        }
    }
}
