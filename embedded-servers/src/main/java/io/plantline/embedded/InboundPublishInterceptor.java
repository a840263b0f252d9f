package io.plantline.embedded;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.interceptor.publish.PublishInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.general.Qos;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.services.Services;
import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * The publish interceptor behind {@link InboundPublishes}: every client gets a publish interceptor that hands the
 * publishes of the topics taken to it and holds the broker's answer (the PUBACK) until it has them. A publish not
 * taken within {@link #WITHIN} is answered with an error, so the client sends it again. The broker checks a client's
 * permissions only after its interceptors, and never for a publish an interceptor answered: so a publish the client
 * may not send is left alone here, for the broker to refuse.
 */
final class InboundPublishInterceptor implements PublishInboundInterceptor {

    static final Duration WITHIN = Duration.ofSeconds(60);

    /** Whether a client (by id) may publish to a topic. */
    interface PublishPermission {
        boolean allows(String clientId, String topic);
    }

    private final InboundPublishes inbound;
    private final PublishPermission permission;

    private InboundPublishInterceptor(InboundPublishes inbound, PublishPermission permission) {
        this.inbound = inbound;
        this.permission = permission;
    }

    /** Gives every client the interceptor; called as the broker's extension starts. */
    static void register(InboundPublishes inbound, PublishPermission permission) {
        InboundPublishInterceptor interceptor = new InboundPublishInterceptor(inbound, permission);
        Services.initializerRegistry().setClientInitializer((initializerInput, client) ->
                client.addPublishInboundInterceptor(interceptor));
    }

    @Override
    public void onInboundPublish(PublishInboundInput input, PublishInboundOutput output) {
        String topic = input.getPublishPacket().getTopic();
        if (!inbound.takes(topic) || !permission.allows(input.getClientInformation().getClientId(), topic)) {
            return;
        }
        byte[] payload = input.getPublishPacket().getPayload().map(InboundPublishInterceptor::bytes).orElse(new byte[0]);
        Async<PublishInboundOutput> answer = output.async(WITHIN, TimeoutFallback.FAILURE, AckReasonCode.UNSPECIFIED_ERROR,
                "not stored in time; send it again");
        inbound.take(topic, payload, input.getPublishPacket().getQos() != Qos.AT_MOST_ONCE).whenComplete((taken, error) -> {
            if (error == null) {
                output.preventPublishDelivery(AckReasonCode.SUCCESS);
            } else {
                output.preventPublishDelivery(AckReasonCode.UNSPECIFIED_ERROR, "not stored; send it again");
            }
            answer.resume();
        });
    }

    private static byte[] bytes(ByteBuffer buffer) {
        byte[] bytes = new byte[buffer.remaining()];
        buffer.duplicate().get(bytes);
        return bytes;
    }
}
