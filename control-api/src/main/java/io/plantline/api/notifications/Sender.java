package io.plantline.api.notifications;

/** Sends a message through one type of channel; a failure says why, for the delivery log. */
interface Sender {

    void send(Channel channel, Outgoing message) throws DeliveryFailure;

    /** Why an attempt failed, in words fit for the delivery log (no stack traces, no secrets). */
    final class DeliveryFailure extends Exception {
        private final boolean permanent;

        DeliveryFailure(String reason) {
            this(reason, false);
        }

        /** {@code permanent}: no retry can succeed (a refused destination), so the delivery fails at once. */
        DeliveryFailure(String reason, boolean permanent) {
            super(reason);
            this.permanent = permanent;
        }

        boolean permanent() {
            return permanent;
        }
    }
}
