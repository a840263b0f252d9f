package io.plantline.api.notifications;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.ApiOptions.Smtp;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/** Mail through the configured SMTP server (Jakarta Mail); without one, every attempt fails saying so. */
final class EmailSender implements Sender {

    private static final String TIMEOUT_MS = "30000";

    private final Optional<Smtp> smtp;
    private final Optional<Session> session;

    EmailSender(Optional<Smtp> smtp) {
        this.smtp = smtp;
        this.session = smtp.map(server -> {
            Properties properties = new Properties();
            properties.put("mail.smtp.host", server.host());
            properties.put("mail.smtp.port", String.valueOf(server.port()));
            properties.put("mail.smtp.connectiontimeout", TIMEOUT_MS);
            properties.put("mail.smtp.timeout", TIMEOUT_MS);
            properties.put("mail.smtp.writetimeout", TIMEOUT_MS);
            properties.put("mail.smtp.auth", String.valueOf(server.user().isPresent()));
            properties.put("mail.smtp.starttls.enable", String.valueOf(server.startTls()));
            properties.put("mail.smtp.starttls.required", String.valueOf(server.startTls()));
            return Session.getInstance(properties);
        });
    }

    @Override
    public void send(Channel channel, Outgoing message) throws DeliveryFailure {
        if (session.isEmpty()) {
            throw new DeliveryFailure("no SMTP server is configured (--smtp-host)");
        }
        Smtp server = smtp.orElseThrow();
        try {
            MimeMessage mail = new MimeMessage(session.get());
            mail.setFrom(new InternetAddress(server.from()));
            mail.setRecipients(Message.RecipientType.TO, recipients(channel.settings()));
            mail.setSubject(message.subject(), "UTF-8");
            mail.setText(message.text(), "UTF-8");
            mail.setHeader("Plantline-Delivery", message.deliveryId().toString());
            mail.setHeader("Plantline-Event", message.event().type());
            if (server.user().isPresent()) {
                Transport.send(mail, server.user().get(), server.password().orElse(""));
            } else {
                Transport.send(mail);
            }
        } catch (MessagingException e) {
            throw new DeliveryFailure("the SMTP server refused or could not be reached: " + e.getMessage());
        }
    }

    static InternetAddress[] recipients(JsonNode settings) throws MessagingException {
        List<InternetAddress> addresses = new ArrayList<>();
        for (JsonNode address : settings.path("to")) {
            addresses.add(new InternetAddress(address.asText(), true));
        }
        return addresses.toArray(InternetAddress[]::new);
    }
}
