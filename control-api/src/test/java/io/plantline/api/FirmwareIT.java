package io.plantline.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.plantline.api.http.Json;
import io.plantline.model.Sha256;
import io.plantline.testing.KafkaExtension;
import io.plantline.testing.PostgresExtension;
import io.plantline.testing.TestDatabase;
import io.plantline.testing.TestKafka;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Firmware upload limits and quota, checksums, listing and deletion, and downloads by range and signed link. */
@ExtendWith({PostgresExtension.class, KafkaExtension.class})
class FirmwareIT {

    private static final int MAX_IMAGE = 64 * 1024;
    private static final int DAILY_QUOTA = 200 * 1024;

    private static TestApi server;
    private static TestApi.Org org;
    private static TestApi.Org otherOrg;

    @BeforeAll
    static void start(TestDatabase database, TestKafka kafka) {
        // Small limits, so the tests reach them with small images; the defaults (10 MB, 100 MB/day) are the same code.
        server = TestApi.start(database, kafka, "--max-firmware-bytes=" + MAX_IMAGE,
                "--firmware-quota-bytes-per-day=" + DAILY_QUOTA, "--download-link-ttl-s=600");
        org = server.organisation(TestApi.uniqueSlug("firmware-org"));
        otherOrg = server.organisation(TestApi.uniqueSlug("firmware-other"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void anUploadedImageIsListedReadAndServedWholeWithTheServersChecksum() {
        byte[] image = image(5000, 1);
        TestApi.BinaryResponse uploaded = upload(org, "1.0.0", "hx-200", image, null);

        assertThat(uploaded.status()).isEqualTo(201);
        JsonNode firmware = json(uploaded).get("data");
        assertThat(firmware.get("version").asText()).isEqualTo("1.0.0");
        assertThat(firmware.get("hardwareModel").asText()).isEqualTo("hx-200");
        assertThat(firmware.get("sizeBytes").asLong()).isEqualTo(5000);
        assertThat(firmware.get("sha256").asText()).isEqualTo(Sha256.hex(image));
        String id = firmware.get("firmwareId").asText();

        assertThat(server.call("GET", "/ota/firmware/" + id, org.viewerToken(), null).data().get("version").asText())
                .isEqualTo("1.0.0");
        assertThat(server.call("GET", "/ota/firmware", org.viewerToken(), null).data().toString()).contains(id);
        TestApi.BinaryResponse whole = server.binary("GET", "/ota/firmware/" + id + "/content", org.viewerToken(), null, Map.of());
        assertThat(whole.status()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(image);
        assertThat(whole.headers().firstValue("Accept-Ranges")).contains("bytes");
        assertThat(whole.headers().firstValue("ETag")).contains("\"" + Sha256.hex(image) + "\"");
        // Another organisation does not see it, and viewers cannot upload.
        assertThat(server.call("GET", "/ota/firmware/" + id, otherOrg.adminToken(), null).status()).isEqualTo(404);
        assertThat(upload(org, "1.0.1", "", image, null, org.viewerToken()).status()).isEqualTo(403);
    }

    @Test
    void multipartUploadsCarryTheirFieldsAndADeclaredChecksumMustMatch() {
        byte[] image = image(3000, 2);
        TestApi.BinaryResponse matching = multipart(org, Map.of("version", "2.0.0", "hardwareModel", "hx-300",
                "sha256", Sha256.hex(image).toUpperCase()), image);
        assertThat(matching.status()).isEqualTo(201);
        assertThat(json(matching).get("data").get("hardwareModel").asText()).isEqualTo("hx-300");

        TestApi.BinaryResponse mismatching = upload(org, "2.0.1", "hx-300", image, "0".repeat(64));
        assertThat(mismatching.status()).isEqualTo(422);
        assertThat(mismatching.errorCode()).isEqualTo("checksum_mismatch");
        assertThat(server.call("GET", "/ota/firmware", org.viewerToken(), null).data().toString()).doesNotContain("2.0.1");
    }

    @Test
    void aVersionIsUniquePerHardwareModel() {
        assertThat(upload(org, "3.0.0", "hx-200", image(100, 3), null).status()).isEqualTo(201);
        TestApi.BinaryResponse again = upload(org, "3.0.0", "hx-200", image(100, 4), null);
        assertThat(again.status()).isEqualTo(409);
        assertThat(again.errorCode()).isEqualTo("conflict");
        assertThat(upload(org, "3.0.0", "hx-300", image(100, 5), null).status()).isEqualTo(201);
        assertThat(upload(otherOrg, "3.0.0", "hx-200", image(100, 6), null).status()).isEqualTo(201);
    }

    @Test
    void badUploadsAreRefusedWithTheReason() {
        TestApi.BinaryResponse tooLarge = upload(org, "4.0.0", "", image(MAX_IMAGE + 1, 7), null);
        assertThat(tooLarge.status()).isEqualTo(413);
        assertThat(tooLarge.errorCode()).isEqualTo("payload_too_large");
        TestApi.BinaryResponse noVersion = upload(org, "", "", image(10, 8), null);
        assertThat(noVersion.status()).isEqualTo(400);
        assertThat(new String(noVersion.body(), StandardCharsets.UTF_8)).contains("version is required");
        assertThat(upload(org, "4.0.1", "", new byte[0], null).status()).isEqualTo(400);
        assertThat(upload(org, "../etc", "", image(10, 9), null).status()).isEqualTo(400);
    }

    @Test
    void theDailyQuotaCountsUploadsEvenWhenDeletedAndFreesUpADayLater(TestDatabase database, TestKafka kafka) {
        // A server of its own, since the test moves its clock by a day (past every token of the shared one).
        try (TestApi quotaServer = TestApi.start(database, kafka, "--max-firmware-bytes=" + MAX_IMAGE,
                "--firmware-quota-bytes-per-day=" + DAILY_QUOTA)) {
            checkDailyQuota(quotaServer);
        }
    }

    private static void checkDailyQuota(TestApi server) {
        TestApi.Org quotaOrg = server.organisation(TestApi.uniqueSlug("quota-org"));
        TestApi.Org otherOrg = server.organisation(TestApi.uniqueSlug("quota-other"));
        int size = MAX_IMAGE;
        for (int i = 0; i < DAILY_QUOTA / size; i++) { // 3 images of 64 KB within 200 KB
            TestApi.BinaryResponse stored = upload(server, quotaOrg, "5.0." + i, image(size, 10 + i));
            assertThat(stored.status()).isEqualTo(201);
            String id = json(stored).get("data").get("firmwareId").asText();
            assertThat(server.call("DELETE", "/ota/firmware/" + id, quotaOrg.operatorToken(), null).status()).isEqualTo(204);
        }
        TestApi.BinaryResponse refused = upload(server, quotaOrg, "5.1.0", image(size, 20));
        assertThat(refused.status()).isEqualTo(429);
        assertThat(refused.errorCode()).isEqualTo("rate_limited");
        long retryAfter = Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow());
        assertThat(retryAfter).isBetween(1L, Duration.ofDays(1).toSeconds() + 1);
        // A small image still fits; the quota is per organisation.
        assertThat(upload(server, quotaOrg, "5.1.1", image(1024, 21)).status()).isEqualTo(201);
        assertThat(upload(server, otherOrg, "5.1.0", image(size, 22)).status()).isEqualTo(201);

        server.clock.advance(Duration.ofSeconds(retryAfter));
        String freshToken = server.login("operator@" + quotaOrg.slug() + ".test", TestApi.PASSWORD).data()
                .get("accessToken").asText(); // a day has passed: the first token has expired
        assertThat(upload(server, "5.1.0", "", image(size, 20), null, freshToken).status()).isEqualTo(201);
    }

    @Test
    void rangesResumeADownloadAndASignedLinkServesDevicesUntilItExpires() {
        byte[] image = image(10_000, 30);
        String id = json(upload(org, "6.0.0", "", image, null)).get("data").get("firmwareId").asText();
        String content = "/ota/firmware/" + id + "/content";

        TestApi.BinaryResponse middle = server.binary("GET", content, org.viewerToken(), null, Map.of("Range", "bytes=100-199"));
        assertThat(middle.status()).isEqualTo(206);
        assertThat(middle.body()).isEqualTo(Arrays.copyOfRange(image, 100, 200));
        assertThat(middle.headers().firstValue("Content-Range")).contains("bytes 100-199/10000");
        TestApi.BinaryResponse rest = server.binary("GET", content, org.viewerToken(), null, Map.of("Range", "bytes=4000-"));
        assertThat(rest.body()).isEqualTo(Arrays.copyOfRange(image, 4000, 10_000));
        TestApi.BinaryResponse tail = server.binary("GET", content, org.viewerToken(), null, Map.of("Range", "bytes=-10"));
        assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(image, 9990, 10_000));
        TestApi.BinaryResponse beyond = server.binary("GET", content, org.viewerToken(), null, Map.of("Range", "bytes=10000-"));
        assertThat(beyond.status()).isEqualTo(416);
        assertThat(beyond.headers().firstValue("Content-Range")).contains("bytes */10000");
        TestApi.BinaryResponse otherImage = server.binary("GET", content, org.viewerToken(), null,
                Map.of("Range", "bytes=100-199", "If-Range", "\"" + "f".repeat(64) + "\""));
        assertThat(otherImage.status()).isEqualTo(200);
        assertThat(otherImage.body()).isEqualTo(image);

        TestApi.Response link = server.call("POST", "/ota/firmware/" + id + "/download-link", org.operatorToken(), null);
        assertThat(link.status()).isEqualTo(200);
        String url = link.data().get("url").asText();
        // A device resumes an interrupted download with the link alone.
        TestApi.BinaryResponse first = server.binary("GET", url, null, null, Map.of("Range", "bytes=0-6999"));
        TestApi.BinaryResponse resumed = server.binary("GET", url, null, null, Map.of("Range", "bytes=7000-"));
        ByteArrayOutputStream joined = new ByteArrayOutputStream();
        joined.writeBytes(first.body());
        joined.writeBytes(resumed.body());
        assertThat(joined.toByteArray()).isEqualTo(image);

        // Neither a user's access token nor a tampered link opens a download, and a link expires.
        assertThat(server.binary("GET", "/ota/download?token=" + org.adminToken(), null, null, Map.of()).status()).isEqualTo(401);
        assertThat(server.binary("GET", Tampered.lastCharacter(url), null, null, Map.of()).status()).isEqualTo(401);
        assertThat(server.call("GET", "/ota/firmware", null, null, Map.of("Authorization", "Bearer "
                + url.substring(url.indexOf("token=") + 6))).status()).isEqualTo(401);
        server.clock.advance(Duration.ofSeconds(601));
        TestApi.BinaryResponse expired = server.binary("GET", url, null, null, Map.of());
        assertThat(expired.status()).isEqualTo(401);
        assertThat(new String(expired.body(), StandardCharsets.UTF_8)).contains("expired");
    }

    @Test
    void firmwareInUseByADeploymentCannotBeDeleted() throws Exception {
        String id = json(upload(org, "7.0.0", "", image(100, 40), null)).get("data").get("firmwareId").asText();
        server.database.execute("INSERT INTO ota_deployments (org_slug, deployment_id, firmware_id, status, policy)"
                + " VALUES ('" + org.slug() + "', 'keep-7', '" + id + "', 'RUNNING', '{}')");
        TestApi.Response refused = server.call("DELETE", "/ota/firmware/" + id, org.operatorToken(), null);
        assertThat(refused.status()).isEqualTo(409);
        assertThat(server.call("GET", "/ota/firmware/" + id, org.viewerToken(), null).status()).isEqualTo(200);
        assertThat(server.call("DELETE", "/ota/firmware/not-a-uuid", org.operatorToken(), null).status()).isEqualTo(404);
    }

    private static TestApi.BinaryResponse upload(TestApi.Org org, String version, String model, byte[] image, String sha256) {
        return upload(org, version, model, image, sha256, org.operatorToken());
    }

    private static TestApi.BinaryResponse upload(TestApi.Org org, String version, String model, byte[] image,
                                                 String sha256, String token) {
        return upload(server, version, model, image, sha256, token);
    }

    private static TestApi.BinaryResponse upload(TestApi server, TestApi.Org org, String version, byte[] image) {
        return upload(server, version, "", image, null, org.operatorToken());
    }

    private static TestApi.BinaryResponse upload(TestApi server, String version, String model, byte[] image,
                                                 String sha256, String token) {
        String query = "?version=" + version + "&hardwareModel=" + model + (sha256 == null ? "" : "&sha256=" + sha256);
        return server.binary("POST", "/ota/firmware" + query, token, image, Map.of("Content-Type", "application/octet-stream"));
    }

    private static TestApi.BinaryResponse multipart(TestApi.Org org, Map<String, String> fields, byte[] image) {
        String boundary = "----plantline-test-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        fields.forEach((name, value) -> body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\""
                + name + "\"\r\n\r\n" + value + "\r\n").getBytes(StandardCharsets.UTF_8)));
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"fw.bin\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(image);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return server.binary("POST", "/ota/firmware", org.operatorToken(), body.toByteArray(),
                Map.of("Content-Type", "multipart/form-data; boundary=" + boundary));
    }

    private static byte[] image(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static JsonNode json(TestApi.BinaryResponse response) {
        try {
            return Json.MAPPER.readTree(response.body());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
