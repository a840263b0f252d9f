package io.plantline.embedded;

import com.hivemq.extension.sdk.api.async.Async;
import com.hivemq.extension.sdk.api.async.TimeoutFallback;
import com.hivemq.extension.sdk.api.interceptor.puback.PubackOutboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.puback.parameter.PubackOutboundInput;
import com.hivemq.extension.sdk.api.interceptor.puback.parameter.PubackOutboundOutput;
import com.hivemq.extension.sdk.api.interceptor.publish.PublishInboundInterceptor;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundInput;
import com.hivemq.extension.sdk.api.interceptor.publish.parameter.PublishInboundOutput;
import com.hivemq.extension.sdk.api.packets.disconnect.DisconnectReasonCode;
import com.hivemq.extension.sdk.api.packets.general.Qos;
import com.hivemq.extension.sdk.api.packets.publish.AckReasonCode;
import com.hivemq.extension.sdk.api.packets.publish.PublishPacket;
import com.hivemq.extension.sdk.api.services.Services;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The interceptors behind {@link InboundPublishes}, one pair per client connection: the publish interceptor hands the
 * publishes of the topics taken over, and the PUBACK interceptor holds the broker's acknowledgement of each until it
 * has them.
 *
 * <p>Why two interceptors: HiveMQ runs all of a client's interceptor tasks one after the other (one queue per client
 * id), so a publish interceptor that waited asynchronously for the hand-over would hold back the client's next
 * publish, and a connection would carry one message at a time. The publish interceptor therefore only starts the
 * hand-over and lets the broker answer SUCCESS; the PUBACK it then writes waits in the PUBACK interceptor for that
 * hand-over. Meanwhile the publishes already queued behind it have started theirs, so a connection has up to the
 * broker's receive maximum in flight, and its acknowledgements still leave in order, each after its own message.
 *
 * <p>A hand-over refused at once (nothing running to take it, no room) is answered with an error reason code, so the
 * client sends it again. A broker cannot turn a SUCCESS PUBACK into an error, so a hand-over that fails later, or is
 * not done within {@link #WITHIN}, disconnects the client before its PUBACK is released: the PUBACK never reaches it,
 * and it sends every unacknowledged message again when it reconnects. QoS 2 publishes keep the plain asynchronous
 * answer (their PUBREC waits for the hand-over). The broker checks a client's permissions only after its
 * interceptors, and never for a publish an interceptor answered: so a publish the client may not send is left alone
 * here, for the broker to refuse.
 */
final class InboundPublishInterceptor implements PublishInboundInterceptor, PubackOutboundInterceptor {

    static final Duration WITHIN = Duration.ofSeconds(60);
    /** Past {@link #WITHIN}, so that the broker's own timeout (which would send the PUBACK as it is) never fires first. */
    private static final Duration PUBACK_HELD_AT_MOST = WITHIN.plusSeconds(30);

    /** Whether a client (by id) may publish to a topic. */
    interface PublishPermission {
        boolean allows(String clientId, String topic);
    }

    private final InboundPublishes inbound;
    private final PublishPermission permission;
    /** This connection's QoS 1 hand-overs by packet id, until their PUBACK is written. */
    private final Map<Integer, CompletableFuture<Void>> handingOver = new ConcurrentHashMap<>();

    private InboundPublishInterceptor(InboundPublishes inbound, PublishPermission permission) {
        this.inbound = inbound;
        this.permission = permission;
    }

    /** Gives every client connection its interceptors; called as the broker's extension starts. */
    static void register(InboundPublishes inbound, PublishPermission permission) {
        Services.initializerRegistry().setClientInitializer((initializerInput, client) -> {
            InboundPublishInterceptor interceptor = new InboundPublishInterceptor(inbound, permission);
            client.addPublishInboundInterceptor(interceptor);
            client.addPubackOutboundInterceptor(interceptor);
        });
    }

    @Override
    public void onInboundPublish(PublishInboundInput input, PublishInboundOutput output) {
        PublishPacket publish = input.getPublishPacket();
        String topic = publish.getTopic();
        if (!inbound.takes(topic) || !permission.allows(input.getClientInformation().getClientId(), topic)) {
            return;
        }
        byte[] payload = publish.getPayload().map(InboundPublishInterceptor::bytes).orElse(new byte[0]);
        if (publish.getQos() == Qos.EXACTLY_ONCE) {
            answerWhenTaken(topic, payload, output);
            return;
        }
        CompletableFuture<Void> taken = inbound.take(topic, payload, publish.getQos() == Qos.AT_LEAST_ONCE);
        if (taken.isCompletedExceptionally()) {
            output.preventPublishDelivery(AckReasonCode.UNSPECIFIED_ERROR, "not stored; send it again");
            return;
        }
        if (publish.getQos() == Qos.AT_LEAST_ONCE && !taken.isDone()) {
            handingOver.put(publish.getPacketId(), taken);
        }
        output.preventPublishDelivery(AckReasonCode.SUCCESS);
    }

    @Override
    public void onOutboundPuback(PubackOutboundInput input, PubackOutboundOutput output) {
        CompletableFuture<Void> taken = handingOver.remove(input.getPubackPacket().getPacketIdentifier());
        if (taken == null || (taken.isDone() && !taken.isCompletedExceptionally())) {
            return;
        }
        String clientId = input.getClientInformation().getClientId();
        Async<PubackOutboundOutput> held = output.async(PUBACK_HELD_AT_MOST);
        taken.copy().orTimeout(WITHIN.toMillis(), TimeUnit.MILLISECONDS).whenComplete((done, error) -> {
            if (error == null) {
                held.resume();
            } else {
                Services.clientService().disconnectClient(clientId, false, DisconnectReasonCode.UNSPECIFIED_ERROR,
                        "a message was not stored; send the unacknowledged ones again")
                        .whenComplete((disconnected, failed) -> held.resume());
            }
        });
    }

    /** The publish's answer waits for the hand-over (the client's next publish waits too). */
    private void answerWhenTaken(String topic, byte[] payload, PublishInboundOutput output) {
        Async<PublishInboundOutput> answer = output.async(WITHIN, TimeoutFallback.FAILURE, AckReasonCode.UNSPECIFIED_ERROR,
                "not stored in time; send it again");
        inbound.take(topic, payload, true).whenComplete((taken, error) -> {
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
