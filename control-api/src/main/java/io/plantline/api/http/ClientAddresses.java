package io.plantline.api.http;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * The address a request came from, for per-address limits and logs: the peer's, unless the peer is one of the trusted
 * proxies (a load balancer in front of the API), then the nearest address in {@code X-Forwarded-For} that is not a
 * trusted proxy. A peer that is not trusted cannot choose its address by sending the header.
 */
public final class ClientAddresses {

    private static final Pattern ADDRESS = Pattern.compile("[0-9A-Fa-f:.]{2,45}");

    private final Set<String> trustedProxies;

    public ClientAddresses(Set<String> trustedProxies) {
        this.trustedProxies = Set.copyOf(trustedProxies);
    }

    public String of(String peer, String forwardedFor) {
        if (forwardedFor == null || !trustedProxies.contains(peer)) {
            return peer;
        }
        String[] hops = forwardedFor.split(",");
        for (int i = hops.length - 1; i >= 0; i--) {
            String hop = hops[i].strip();
            if (!ADDRESS.matcher(hop).matches()) {
                return peer;        // not an address: the header was not written by a proxy we trust
            }
            if (!trustedProxies.contains(hop)) {
                return hop;
            }
        }
        return peer;
    }
}
