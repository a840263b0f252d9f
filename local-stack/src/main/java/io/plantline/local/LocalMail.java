package io.plantline.local;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import io.plantline.concurrent.DaemonThreads;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Local mode's mail server: an in-process SMTP server (GreenMail) that catches every mail the notifier sends. Each
 * caught mail is saved as {@code <data-dir>/mail/<time>-<n>.eml} (any mail program opens it) and logged with its
 * recipients and subject.
 */
final class LocalMail implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LocalMail.class);

    private final GreenMail server;
    private final Path directory;
    private final ScheduledExecutorService saver =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("local-mail"));
    private int saved;

    private LocalMail(GreenMail server, Path directory) {
        this.server = server;
        this.directory = directory;
    }

    static LocalMail start(int port, Path directory) throws IOException {
        Files.createDirectories(directory);
        GreenMail server = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        server.start();
        LocalMail mail = new LocalMail(server, directory);
        mail.saver.scheduleWithFixedDelay(mail::saveNew, 1, 1, TimeUnit.SECONDS);
        return mail;
    }

    int port() {
        return server.getSmtp().getPort();
    }

    Path directory() {
        return directory;
    }

    private void saveNew() {
        MimeMessage[] received = server.getReceivedMessages();
        for (; saved < received.length; saved++) {
            MimeMessage message = received[saved];
            Path file = directory.resolve(Instant.now().toString().replace(':', '-') + "-" + saved + ".eml");
            try (OutputStream out = Files.newOutputStream(file)) {
                message.writeTo(out);
                LOG.info("mail to {}: {} (saved as {})", Arrays.toString(message.getAllRecipients()),
                        message.getSubject(), file);
            } catch (IOException | MessagingException e) {
                LOG.warn("saving a caught mail failed", e);
            }
        }
    }

    @Override
    public void close() {
        saver.shutdownNow();
        server.stop();
    }
}
