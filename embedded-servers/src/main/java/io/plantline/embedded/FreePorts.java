package io.plantline.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP port free on this machine at the moment of asking, for a server that must be told its port before it binds
 * (another process may take it in between; the servers here start at once after asking). The system hands a port
 * just released out again now and then, so two asked for in a row (Kafka's client and controller ports, say) could be
 * one: a port is never handed out twice in this JVM.
 */
public final class FreePorts {

    private static final int ATTEMPTS = 100;
    private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

    private FreePorts() {
    }

    public static int pick() {
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            int port = anyFree();
            if (HANDED_OUT.add(port)) {
                return port;
            }
        }
        throw new IllegalStateException("no port free on this machine that this JVM has not handed out yet, in "
                + ATTEMPTS + " attempts");
    }

    private static int anyFree() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on this machine", e);
        }
    }
}
