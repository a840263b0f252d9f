package io.plantline.api.notifications;

/** Sends a message through one type of channel; a failure says why, for the delivery log. */
interface Sender {

    void send(Channel channel, Outgoing message) throws DeliveryFailure;

    /** Why an attempt failed, in words fit for the delivery log (no stack traces, no secrets). */
    final class DeliveryFailure extends Exception {
        DeliveryFailure(String reason) {
            super(reason);
        }
    }
}
