package io.plantline.embedded;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.auth.SimpleAuthenticator;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthInput;
import com.hivemq.extension.sdk.api.auth.parameter.SimpleAuthOutput;
import com.hivemq.extension.sdk.api.auth.parameter.TopicPermission;
import com.hivemq.extension.sdk.api.packets.auth.DefaultAuthorizationBehaviour;
import com.hivemq.extension.sdk.api.packets.connect.ConnackReasonCode;
import com.hivemq.extension.sdk.api.packets.disconnect.DisconnectReasonCode;
import com.hivemq.extension.sdk.api.services.Services;
import com.hivemq.extension.sdk.api.services.builder.Builders;
import io.plantline.model.mqtt.MqttAccessPolicy;
import io.plantline.model.mqtt.MqttGrant;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The authenticator behind {@link MqttAccessPolicy}: it authenticates every connection with the policy, refuses a
 * client id the grant does not allow (so no client takes over another's session), gives the client the grant's topic
 * permissions (anything else refused) and, every {@link #REVIEW_EVERY}, asks the policy which
 * grants of connected clients no longer hold and disconnects those clients. It is registered as the broker's
 * extension starts, before the listener opens, so no client connects unchecked.
 */
final class MqttAccessControl implements SimpleAuthenticator {

    static final Duration REVIEW_EVERY = Duration.ofSeconds(2);
    private static final Duration CHECK_WITHIN = Duration.ofSeconds(10);
    /** A client authenticated this recently may not show as connected yet; it is not forgotten. */
    private static final Duration SETTLING = Duration.ofSeconds(10);
    private static final Logger LOG = LoggerFactory.getLogger(MqttAccessControl.class);

    private record Connection(MqttGrant grant, Instant since) {
    }

    private final MqttAccessPolicy policy;
    private final Map<String, Connection> connections = new ConcurrentHashMap<>();

    private MqttAccessControl(MqttAccessPolicy policy) {
        this.policy = policy;
    }

    /** Authenticates every connection from now on and reviews connected clients; called as the broker's extension starts. */
    static MqttAccessControl register(MqttAccessPolicy policy) {
        MqttAccessControl control = new MqttAccessControl(policy);
        Services.securityRegistry().setAuthenticatorProvider(providerInput -> control);
        Services.extensionExecutorService().scheduleWithFixedDelay(control::review,
                REVIEW_EVERY.toMillis(), REVIEW_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        return control;
    }

    /**
     * Whether the connected client {@code clientId} may publish to {@code topic}. A publish interceptor runs before the
     * broker checks the client's permissions, so one that takes publishes asks here first.
     */
    boolean allowsPublish(String clientId, String topic) {
        Connection connection = connections.get(clientId);
        return connection != null && connection.grant().allowsPublish(topic);
    }

    @Override
    public void onConnect(SimpleAuthInput input, SimpleAuthOutput output) {
        // The policy may read a database: answer from the extension's executor, not the broker's network thread.
        Async<SimpleAuthOutput> answer = output.async(CHECK_WITHIN, TimeoutFallback.FAILURE,
                ConnackReasonCode.SERVER_UNAVAILABLE, "credentials not checked in time; try again");
        Services.extensionExecutorService().submit(() -> {
            try {
                String username = input.getConnectPacket().getUserName().orElse("");
                String password = input.getConnectPacket().getPassword().map(MqttAccessControl::text).orElse("");
                String clientId = input.getClientInformation().getClientId();
                policy.authenticate(username, password).ifPresentOrElse(grant -> {
                    if (!grant.allowsClientId(clientId)) {
                        output.failAuthentication(ConnackReasonCode.CLIENT_IDENTIFIER_NOT_VALID,
                                "a device connects with its user name as client id, a service with ids beginning with its name");
                        return;
                    }
                    output.getDefaultPermissions().addAll(permissions(grant));
                    output.getDefaultPermissions().setDefaultBehaviour(DefaultAuthorizationBehaviour.DENY);
                    connections.put(clientId, new Connection(grant, Instant.now()));
                    output.authenticateSuccessfully();
                }, () -> output.failAuthentication(ConnackReasonCode.BAD_USER_NAME_OR_PASSWORD,
                        "unknown user name, wrong key, or a disabled device"));
            } catch (RuntimeException e) {
                LOG.warn("cannot check the credentials of MQTT client {}", input.getClientInformation().getClientId(), e);
                output.failAuthentication(ConnackReasonCode.SERVER_UNAVAILABLE, "credentials cannot be checked now");
            } finally {
                answer.resume();
            }
        });
    }

    /** Forgets clients that left; disconnects those whose grant the policy revoked. */
    private void review() {
        try {
            forgetDisconnected();
            Set<MqttGrant> revoked = policy.revoked(connections.values().stream().map(Connection::grant)
                    .filter(MqttGrant::isDevice).collect(Collectors.toSet()));
            connections.forEach((clientId, connection) -> {
                if (revoked.contains(connection.grant()) && connections.remove(clientId, connection)) {
                    LOG.info("closing MQTT client {} of {}: its credentials no longer hold", clientId,
                            connection.grant().principal());
                    Services.clientService().disconnectClient(clientId, true, DisconnectReasonCode.NOT_AUTHORIZED,
                            "credentials revoked: the device was disabled or deleted, or its key rotated");
                }
            });
        } catch (RuntimeException e) {
            LOG.warn("cannot review the credentials of connected MQTT clients; trying again in {}", REVIEW_EVERY, e);
        }
    }

    private void forgetDisconnected() {
        Instant settled = Instant.now().minus(SETTLING);
        for (Map.Entry<String, Connection> entry : connections.entrySet()) {
            if (entry.getValue().since().isBefore(settled) && !isConnected(entry.getKey())) {
                connections.remove(entry.getKey(), entry.getValue());
            }
        }
    }

    private static boolean isConnected(String clientId) {
        try {
            return Services.clientService().isClientConnected(clientId).get(CHECK_WITHIN.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return true;
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            return true;
        }
    }

    private static List<TopicPermission> permissions(MqttGrant grant) {
        List<TopicPermission> permissions = new ArrayList<>();
        grant.deniedPublish().forEach(filter -> permissions.add(permission(filter, TopicPermission.PermissionType.DENY,
                TopicPermission.MqttActivity.PUBLISH)));
        grant.publish().forEach(filter -> permissions.add(permission(filter, TopicPermission.PermissionType.ALLOW,
                TopicPermission.MqttActivity.PUBLISH)));
        grant.subscribe().forEach(filter -> permissions.add(permission(filter, TopicPermission.PermissionType.ALLOW,
                TopicPermission.MqttActivity.SUBSCRIBE)));
        return permissions;
    }

    private static TopicPermission permission(String filter, TopicPermission.PermissionType type,
                                              TopicPermission.MqttActivity activity) {
        return Builders.topicPermission().topicFilter(filter).type(type).activity(activity)
                .sharedSubscription(TopicPermission.SharedSubscription.ALL).build();
    }

    private static String text(ByteBuffer password) {
        return StandardCharsets.UTF_8.decode(password.duplicate()).toString();
    }
}
