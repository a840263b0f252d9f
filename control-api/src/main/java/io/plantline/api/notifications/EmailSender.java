package io.plantline.api.notifications;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** A notification by mail to the channel's addresses, or to the one person a report-ready event names. */
final class EmailSender implements Sender {

    private final Mailer mailer;

    EmailSender(Mailer mailer) {
        this.mailer = mailer;
    }

    @Override
    public void send(Channel channel, Outgoing message) throws DeliveryFailure {
        try {
            mailer.send(recipients(channel.settings(), message.event()), message.subject(), message.text(), Map.of(
                    WebhookSender.DELIVERY, message.deliveryId().toString(), WebhookSender.EVENT, message.event().type()));
        } catch (MessagingException e) {
            throw new DeliveryFailure("the channel's addresses are not valid: " + e.getMessage());
        } catch (Mailer.MailFailure e) {
            throw new DeliveryFailure(e.getMessage());
        }
    }

    private static InternetAddress[] recipients(JsonNode settings, NotificationEvent event) throws MessagingException {
        Object recipient = event.details().get(NotificationEvent.RECIPIENT);
        if (recipient != null) {
            return new InternetAddress[] {new InternetAddress(recipient.toString(), true)};
        }
        List<InternetAddress> addresses = new ArrayList<>();
        for (JsonNode address : settings.path("to")) {
            addresses.add(new InternetAddress(address.asText(), true));
        }
        return addresses.toArray(InternetAddress[]::new);
    }
}
