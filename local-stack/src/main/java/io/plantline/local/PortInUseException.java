package io.plantline.local;

/** A server's port is taken by another process; the message says which server and how to move it. */
final class PortInUseException extends RuntimeException {

    PortInUseException(String server, int port, String setting) {
        super(server + " cannot listen on port " + port + ": another process already uses it. "
                + "Stop that process or choose another port with " + setting + ".");
    }

    /** Fails fast with a clear message instead of a bind error from deep inside a server's start-up. */
    static void requireFree(String server, int port, String setting) {
        if (port == 0) {
            return;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new java.net.InetSocketAddress("127.0.0.1", port));
        } catch (java.io.IOException e) {
            throw new PortInUseException(server, port, setting);
        }
    }
}
