package io.plantline.api.notifications;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.api.Request;
import org.eclipse.jetty.client.util.StringContentProvider;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.Promise;
import org.eclipse.jetty.util.SocketAddressResolver;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP client of webhooks and SMS gateways. Its resolver checks every address a host name resolves to against the
 * {@link DestinationPolicy} and hands the client exactly those addresses to connect to, so a name that resolves to a
 * public address when checked and to an internal one when connecting (DNS rebinding) gets nowhere. Redirects are not
 * followed. Failures reach the delivery log in generic words (reachable or not, timed out, the status): the details
 * (a refused port, a TLS error) would map the network for whoever chose the URL; they are logged here instead.
 */
final class GuardedHttp implements AutoCloseable {

    static final String REFUSED = "the destination is not allowed";
    private static final Logger LOG = LoggerFactory.getLogger(GuardedHttp.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

    /** A destination the policy refuses; such a send can never succeed. */
    private static final class RefusedDestination extends UnknownHostException {
        RefusedDestination(String host) {
            super(host);
        }
    }

    private final HttpClient client = new HttpClient(new SslContextFactory.Client());
    private final Duration timeout;

    GuardedHttp(DestinationPolicy policy, Duration timeout) {
        this.timeout = timeout;
        client.setFollowRedirects(false);
        client.setConnectTimeout(CONNECT_TIMEOUT.toMillis());
        client.setSocketAddressResolver(new SocketAddressResolver() {
            @Override
            public void resolve(String host, int port, Promise<List<InetSocketAddress>> promise) {
                try {
                    List<InetSocketAddress> addresses = new ArrayList<>();
                    for (InetAddress address : InetAddress.getAllByName(host)) {
                        if (!policy.allows(address)) {
                            promise.failed(new RefusedDestination(host));
                            return;
                        }
                        addresses.add(new InetSocketAddress(address, port));
                    }
                    promise.succeeded(addresses);
                } catch (UnknownHostException e) {
                    promise.failed(e);
                }
            }
        });
        try {
            client.start();
        } catch (Exception e) {
            throw new IllegalStateException("cannot start the notification HTTP client", e);
        }
    }

    /** POSTs {@code body} with {@code headers} (Content-Type among them); anything but a 2xx answer is a failure. */
    void post(URI url, Map<String, String> headers, String body) throws Sender.DeliveryFailure {
        String contentType = headers.getOrDefault("Content-Type", "application/json");
        Request request = client.newRequest(url).method(HttpMethod.POST).timeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .content(new StringContentProvider(contentType, body, StandardCharsets.UTF_8));
        headers.forEach((name, value) -> {
            if (!name.equalsIgnoreCase("Content-Type")) {
                request.header(name, value);
            }
        });
        int status;
        try {
            status = request.send().getStatus();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RefusedDestination) {
                throw new Sender.DeliveryFailure(REFUSED, true);
            }
            LOG.info("a notification to {} could not be sent", url.getHost(), e.getCause());
            throw new Sender.DeliveryFailure("the receiver could not be reached");
        } catch (TimeoutException e) {
            throw new Sender.DeliveryFailure("the receiver did not answer within " + timeout.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Sender.DeliveryFailure("interrupted while sending");
        }
        if (status / 100 != 2) {
            throw new Sender.DeliveryFailure("the receiver answered HTTP " + status);
        }
    }

    @Override
    public void close() {
        try {
            client.stop();
        } catch (Exception e) {
            LOG.warn("stopping the notification HTTP client failed", e);
        }
    }
}
