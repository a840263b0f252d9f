package io.plantline.bench;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetup;
import com.sun.net.httpserver.HttpServer;
import io.plantline.api.ApiOptions;
import io.plantline.api.ControlApi;
import io.plantline.embedded.EmbeddedKafkaCluster;
import io.plantline.embedded.EmbeddedPostgresServer;
import io.plantline.embedded.KafkaTopics;
import io.plantline.model.AlertEvent;
import io.plantline.model.AlertStatus;
import io.plantline.model.AlertTransition;
import io.plantline.model.DeviceRef;
import io.plantline.model.Severity;
import io.plantline.model.Topics;
import io.plantline.model.json.RecordJson;
import jakarta.mail.internet.MimeMessage;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Notifications and reports in one run, on embedded PostgreSQL and Kafka with the real control API:
 *
 * <ul>
 *   <li>latency from an alert record produced on {@code factory.alerts} to the mail in an in-process SMTP server
 *   (GreenMail) and to the webhook request at a local HTTP server, for {@code alerts} alerts at {@code rate} a second,
 *   in several rounds (p50 and p99 of each);</li>
 *   <li>report throughput: a 30-day OEE report of 100 machines by hour (the case), and a 31-day telemetry
 *   report of {@code machines} machines x 2 metrics by minute (millions of rows), each several times: rows per
 *   second from request to ready.</li>
 * </ul>
 *
 *   NotificationBenchmark [rounds=3] [alerts=300] [rate=20] [machines=20]
 */
public final class NotificationBenchmark {

    private static final String ORG = "bench";
    private static final String PASSWORD = "benchmark password";
    private static final Pattern DEVICE = Pattern.compile("on (dev-\\d+-\\d+)");

    private NotificationBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        int alerts = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        int rate = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        int machines = args.length > 3 ? Integer.parseInt(args[3]) : 20;
        System.setProperty("logback.configurationFile", "bench-logback.xml");
        Path workDir = Files.createTempDirectory("plantline-notify-bench");
        GreenMail mail = new GreenMail(new ServerSetup(0, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
        mail.start();
        Map<String, Long> delivered = new ConcurrentHashMap<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            long now = System.nanoTime();
            Matcher device = DEVICE.matcher(body);
            if (device.find()) {
                delivered.putIfAbsent("hook/" + device.group(1), now);
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
        receiver.start();
        try (EmbeddedPostgresServer postgres = EmbeddedPostgresServer.start(0, workDir.resolve("postgres"), true);
             EmbeddedKafkaCluster kafka = EmbeddedKafkaCluster.start(0, workDir.resolve("kafka"), 1L << 30)) {
            KafkaTopics.createAll(kafka.bootstrapServers(), 2);
            ControlApi api = ControlApi.start(ApiOptions.parse(new String[] {"--port=0", "--user-requests-per-minute=1000000",
                    "--address-requests-per-minute=10000000", "--jwt-secret=benchmark-secret-of-at-least-32-bytes",
                    "--smtp-host=127.0.0.1", "--smtp-port=" + mail.getSmtp().getPort(), "--notify-allow-http=true",
                    "--notify-allow-private-destinations=true",
                    "--reports-per-org=100"}, Map.of())
                    .connectedTo(0, postgres.jdbcUrl(), kafka.bootstrapServers()), Clock.systemUTC());
            api.ensureAdmin(new ApiOptions.BootstrapAdmin(ORG, "admin@bench.local", PASSWORD));
            String base = "http://127.0.0.1:" + api.port() + "/api/v1";
            String token = login(base);
            String mailChannel = id(post(base + "/notification-channels", token, "{\"name\":\"mail\",\"type\":\"email\","
                    + "\"settings\":{\"to\":[\"duty@bench.local\"]}}"), "channelId");
            String hookChannel = id(post(base + "/notification-channels", token, "{\"name\":\"hook\",\"type\":\"webhook\","
                    + "\"settings\":{\"url\":\"http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook\"}}"), "channelId");
            for (String channel : List.of(mailChannel, hookChannel)) {
                post(base + "/notification-subscriptions", token, "{\"channelId\":\"" + channel
                        + "\",\"eventTypes\":[\"alert.opened\"]}");
            }
            System.out.printf("%d rounds of %d alerts at %d/s; API, Kafka, PostgreSQL, SMTP server and webhook receiver"
                    + " in one JVM on the same 2 cores.%n%n", rounds, alerts, rate);
            System.out.println("| round | mail p50 / p99 ms | webhook p50 / p99 ms | delivered (mail, webhook) |");
            System.out.println("|---|---|---|---|");
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(), ProducerConfig.LINGER_MS_CONFIG, 0),
                    new StringSerializer(), new ByteArraySerializer())) {
                for (int round = 1; round <= rounds; round++) {
                    latencyRound(round, alerts, rate, producer, mail, delivered);
                }
            }
            reports(base, token, postgres.jdbcUrl(), machines, rounds);
            api.close();
        } finally {
            receiver.stop(0);
            mail.stop();
        }
        System.exit(0);
    }

    private static void latencyRound(int round, int alerts, int rate, KafkaProducer<String, byte[]> producer,
                                     GreenMail mail, Map<String, Long> delivered) throws Exception {
        Map<String, Long> produced = new ConcurrentHashMap<>();
        int mailsBefore = mail.getReceivedMessages().length;
        long start = System.nanoTime();
        Thread mailWatcher = new Thread(() -> watchMail(mail, mailsBefore, delivered));
        mailWatcher.setDaemon(true);
        mailWatcher.start();
        for (int i = 0; i < alerts; i++) {
            long due = start + i * 1_000_000_000L / rate;
            while (System.nanoTime() < due) {
                Thread.onSpinWait();
            }
            String device = "dev-" + round + "-" + i;
            Instant now = Instant.now();
            AlertEvent event = new AlertEvent(UUID.randomUUID().toString(), new DeviceRef(ORG, device), "hot", "temperature",
                    Severity.MAJOR, AlertStatus.ACTIVE, AlertTransition.OPENED, now, now, Optional.of(95.0),
                    Optional.of(95.0), Optional.empty());
            produced.put(device, System.nanoTime());
            producer.send(new ProducerRecord<>(Topics.ALERTS, ORG + "/" + device, RecordJson.write(event)));
        }
        producer.flush();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline && (count(delivered, "mail/dev-" + round + "-") < alerts
                || count(delivered, "hook/dev-" + round + "-") < alerts)) {
            Thread.sleep(50);
        }
        mailWatcher.interrupt();
        List<Double> mailMs = latencies(produced, delivered, "mail/");
        List<Double> hookMs = latencies(produced, delivered, "hook/");
        System.out.printf("| %d | %.0f / %.0f | %.0f / %.0f | %d, %d of %d |%n", round, percentile(mailMs, 0.5),
                percentile(mailMs, 0.99), percentile(hookMs, 0.5), percentile(hookMs, 0.99), mailMs.size(), hookMs.size(),
                alerts);
    }

    /** Notes when each mail arrives (polled every 2 ms: the mail server has no callback). */
    private static void watchMail(GreenMail mail, int seen, Map<String, Long> delivered) {
        int next = seen;
        while (!Thread.currentThread().isInterrupted()) {
            MimeMessage[] received = mail.getReceivedMessages();
            long now = System.nanoTime();
            for (; next < received.length; next++) {
                try {
                    Matcher device = DEVICE.matcher(received[next].getSubject());
                    if (device.find()) {
                        delivered.putIfAbsent("mail/" + device.group(1), now);
                    }
                } catch (jakarta.mail.MessagingException e) {
                    throw new IllegalStateException(e);
                }
            }
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private static void reports(String base, String token, String jdbcUrl, int machines, int runs) throws Exception {
        Instant today = Instant.now().truncatedTo(ChronoUnit.DAYS);
        try (Connection connection = DriverManager.getConnection(jdbcUrl); Statement sql = connection.createStatement()) {
            sql.execute("INSERT INTO devices (org_slug, device_id) SELECT '" + ORG + "', 'machine-' || lpad(i::text, 3, '0')"
                    + " FROM generate_series(1, 100) i");
            sql.execute("INSERT INTO oee_1h (org_slug, device_id, bucket_start, planned_ms, run_ms, total_count, good_count,"
                    + " ideal_ms_sum, good_ideal_ms_sum) SELECT d.org_slug, d.device_id, b, 3600000, 2880000, 1440, 1380,"
                    + " 2880000.0, 2760000.0 FROM devices d, generate_series(timestamptz '" + today + "' - interval '30 days',"
                    + " timestamptz '" + today + "' - interval '1 hour', interval '1 hour') b WHERE d.org_slug = '" + ORG
                    + "' AND d.device_id LIKE 'machine-%'");
            sql.execute("INSERT INTO telemetry_1m (org_slug, device_id, metric, bucket_start, count, min, max, avg, stddev)"
                    + " SELECT '" + ORG + "', 'machine-' || lpad(i::text, 3, '0'), m, b, 60, 10, 20, 15 + random(), 1"
                    + " FROM generate_series(1, " + machines + ") i, unnest(ARRAY['temperature', 'vibration']) m,"
                    + " generate_series(timestamptz '" + today + "' - interval '31 days', timestamptz '" + today
                    + "' - interval '1 minute', interval '1 minute') b");
            sql.execute("ANALYZE");
        }
        String oee = "{\"type\":\"oee\",\"scope\":\"organisation\",\"granularity\":\"1h\",\"from\":\""
                + today.minus(30, ChronoUnit.DAYS) + "\",\"to\":\"" + today + "\"}";
        String telemetry = "{\"type\":\"telemetry\",\"scope\":\"organisation\",\"granularity\":\"1m\",\"from\":\""
                + today.minus(31, ChronoUnit.DAYS) + "\",\"to\":\"" + today + "\"}";
        System.out.println();
        System.out.println("| report | rows | MB | seconds, median (min-max) | rows/s, median (min-max) |");
        System.out.println("|---|---|---|---|---|");
        report("30-day OEE of 100 machines by hour (72,000 hour rows read)", oee, base, token, runs);
        report("31-day telemetry of " + machines + " machines x 2 metrics by minute", telemetry, base, token, runs);
    }

    private static void report(String name, String body, String base, String token, int runs) throws Exception {
        List<Double> seconds = new ArrayList<>();
        long rows = 0;
        long bytes = 0;
        for (int run = 0; run < runs; run++) {
            long start = System.nanoTime();
            String reportId = id(post(base + "/reports", token, body), "reportId");
            String status;
            String answer;
            do {
                Thread.sleep(20);
                answer = get(base + "/reports/" + reportId, token);
                status = field(answer, "status");
            } while (status.equals("queued") || status.equals("running"));
            seconds.add((System.nanoTime() - start) / 1e9);
            if (!status.equals("ready")) {
                throw new IllegalStateException("report " + reportId + " ended " + answer);
            }
            rows = Long.parseLong(field(answer, "rows"));
            bytes = Long.parseLong(field(answer, "sizeBytes"));
            HttpResponse<byte[]> file = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/reports/"
                    + reportId + "/download")).header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (file.body().length != bytes) {
                throw new IllegalStateException("downloaded " + file.body().length + " of " + bytes + " bytes");
            }
        }
        Collections.sort(seconds);
        double median = seconds.get(seconds.size() / 2);
        System.out.printf("| %s | %,d | %.1f | %.2f (%.2f-%.2f) | %,.0f (%,.0f-%,.0f) |%n", name, rows, bytes / 1e6, median,
                seconds.get(0), seconds.get(seconds.size() - 1), rows / median, rows / seconds.get(seconds.size() - 1),
                rows / seconds.get(0));
    }

    private static long count(Map<String, Long> delivered, String prefix) {
        return delivered.keySet().stream().filter(key -> key.startsWith(prefix)).count();
    }

    private static List<Double> latencies(Map<String, Long> produced, Map<String, Long> delivered, String channel) {
        List<Double> ms = new ArrayList<>();
        produced.forEach((device, sentAt) -> {
            Long at = delivered.get(channel + device);
            if (at != null) {
                ms.add((at - sentAt) / 1e6);
            }
        });
        Collections.sort(ms);
        return ms;
    }

    private static double percentile(List<Double> sorted, double p) {
        return sorted.isEmpty() ? Double.NaN : sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p * sorted.size()) - 1));
    }

    private static String login(String base) throws Exception {
        return field(post(base + "/auth/login", null, "{\"email\":\"admin@bench.local\",\"password\":\"" + PASSWORD + "\"}"),
                "accessToken");
    }

    private static String post(String url, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String get(String url, String token) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token)
                .build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    private static String id(String json, String name) {
        return field(json, name);
    }

    private static String field(String json, String name) {
        Matcher value = Pattern.compile("\"" + name + "\":\"?([^\",}]+)").matcher(json);
        if (!value.find()) {
            throw new IllegalStateException("no " + name + " in " + json);
        }
        return value.group(1);
    }
}
