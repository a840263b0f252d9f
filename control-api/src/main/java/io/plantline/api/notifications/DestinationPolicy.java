package io.plantline.api.notifications;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Which addresses webhooks and SMS gateway requests may go to. By default only public ones: an organisation admin
 * chooses the URL, so loopback, link-local (cloud metadata at 169.254.169.254), private, carrier-grade NAT and
 * unique-local ranges, multicast, the unspecified address and this machine's own addresses are refused, as they would
 * let the admin reach the platform's internal services through the server. {@code allowPrivate}
 * ({@code --notify-allow-private-destinations}) lifts the rule for installations whose receivers are internal.
 */
final class DestinationPolicy {

    private final boolean allowPrivate;
    private final Set<InetAddress> ownAddresses;

    DestinationPolicy(boolean allowPrivate) {
        this.allowPrivate = allowPrivate;
        this.ownAddresses = allowPrivate ? Set.of() : interfaceAddresses();
    }

    boolean allows(InetAddress address) {
        return allowPrivate || !(address.isAnyLocalAddress() || address.isLoopbackAddress()
                || address.isLinkLocalAddress() || address.isSiteLocalAddress() || address.isMulticastAddress()
                || isOtherNonPublic(address.getAddress()) || ownAddresses.contains(address));
    }

    /** Whether {@code host} of a URL is an address literal this policy refuses (names are checked when connecting). */
    boolean refusesLiteral(String host) {
        String literal = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (!literal.matches("[0-9.]+") && !literal.contains(":")) {
            return false; // a name: resolving it here would tell the caller what the internal DNS knows
        }
        try {
            return !allows(InetAddress.getByName(literal));
        } catch (java.net.UnknownHostException e) {
            return false; // not a valid literal: the send fails to resolve it
        }
    }

    /** 0.0.0.0/8, carrier-grade NAT 100.64.0.0/10, benchmarking 198.18.0.0/15; IPv6 unique-local fc00::/7. */
    private static boolean isOtherNonPublic(byte[] bytes) {
        int first = bytes[0] & 0xff;
        int second = bytes[1] & 0xff;
        if (bytes.length == 4) {
            return first == 0 || first == 100 && (second & 0xc0) == 64 || first == 198 && (second & 0xfe) == 18;
        }
        return (first & 0xfe) == 0xfc;
    }

    private static Set<InetAddress> interfaceAddresses() {
        try {
            return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                    .flatMap(NetworkInterface::inetAddresses).collect(Collectors.toUnmodifiableSet());
        } catch (SocketException e) {
            throw new IllegalStateException("cannot list this machine's network addresses", e);
        }
    }
}
