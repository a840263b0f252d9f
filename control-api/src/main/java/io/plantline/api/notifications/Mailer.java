package io.plantline.api.notifications;

import io.plantline.api.ApiOptions.Smtp;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/** Plain-text mail through the configured SMTP server (Jakarta Mail), for notifications and ready reports. */
public final class Mailer {

    private static final String TIMEOUT_MS = "30000";

    /** Why a mail could not be sent, in words fit for a log the user reads. */
    public static final class MailFailure extends Exception {
        MailFailure(String reason) {
            super(reason);
        }
    }

    private final Optional<Smtp> smtp;
    private final Optional<Session> session;

    public Mailer(Optional<Smtp> smtp) {
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

    public boolean configured() {
        return session.isPresent();
    }

    public void send(InternetAddress[] to, String subject, String text, Map<String, String> headers) throws MailFailure {
        if (session.isEmpty()) {
            throw new MailFailure("no SMTP server is configured (--smtp-host)");
        }
        Smtp server = smtp.orElseThrow();
        try {
            MimeMessage mail = new MimeMessage(session.get());
            mail.setFrom(new InternetAddress(server.from()));
            mail.setRecipients(Message.RecipientType.TO, to);
            mail.setSubject(subject, "UTF-8");
            mail.setText(text, "UTF-8");
            for (Map.Entry<String, String> header : headers.entrySet()) {
                mail.setHeader(header.getKey(), header.getValue());
            }
            if (server.user().isPresent()) {
                Transport.send(mail, server.user().get(), server.password().orElse(""));
            } else {
                Transport.send(mail);
            }
        } catch (MessagingException e) {
            throw new MailFailure("the SMTP server refused or could not be reached: " + e.getMessage());
        }
    }
}
