package io.plantline.api.ota;

import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The {@code firmware} table (images and their bytes) and the {@code firmware_uploads} log behind the daily quota. */
public final class FirmwareStore {

    static final Duration QUOTA_WINDOW = Duration.ofDays(1);
    private static final String COLUMNS = "firmware_id, hardware_model, version, size_bytes, sha256, created_at, created_by";

    private final Database database;

    public FirmwareStore(Database database) {
        this.database = database;
    }

    /**
     * Stores an image, within the organisation's upload quota over the last day (429 with the time until enough
     * of it frees up). Uploads of one organisation are serialised by a transaction lock, so two at once cannot
     * both pass the quota check.
     */
    Firmware insert(String orgSlug, String hardwareModel, String version, byte[] content, String sha256, UUID userId,
                    Instant now, long dailyQuotaBytes) {
        return database.transaction(tx -> {
            tx.one("SELECT pg_advisory_xact_lock(hashtext(?))", row -> 1, "firmware-quota:" + orgSlug);
            List<Upload> window = tx.list("SELECT uploaded_at, size_bytes FROM firmware_uploads WHERE org_slug = ?"
                    + " AND uploaded_at > ? ORDER BY uploaded_at", row -> new Upload(row.getTimestamp(1).toInstant(),
                    row.getLong(2)), orgSlug, now.minus(QUOTA_WINDOW));
            long used = window.stream().mapToLong(Upload::sizeBytes).sum();
            if (used + content.length > dailyQuotaBytes) {
                long retryAfter = secondsUntilRoom(window, used + content.length - dailyQuotaBytes, now);
                throw ApiException.rateLimited("the organisation's firmware upload quota of " + dailyQuotaBytes
                        + " bytes per day is used up (" + used + " bytes in the last 24 h); retry after " + retryAfter
                        + " s", retryAfter);
            }
            if (tx.one("SELECT 1 FROM firmware WHERE org_slug = ? AND hardware_model = ? AND version = ?", row -> 1,
                    orgSlug, hardwareModel, version).isPresent()) {
                throw ApiException.conflict("firmware " + version + (hardwareModel.isEmpty() ? ""
                        : " for hardware model " + hardwareModel) + " already exists");
            }
            tx.update("INSERT INTO firmware_uploads (org_slug, uploaded_at, size_bytes) VALUES (?, ?, ?)",
                    orgSlug, now, content.length);
            return tx.one("INSERT INTO firmware (org_slug, hardware_model, version, size_bytes, sha256, content,"
                    + " created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING " + COLUMNS,
                    FirmwareStore::firmware, orgSlug, hardwareModel, version, content.length, sha256, content, now,
                    userId).orElseThrow();
        });
    }

    /** How long until uploads older than now minus the window have freed {@code excess} bytes. */
    private static long secondsUntilRoom(List<Upload> window, long excess, Instant now) {
        long freed = 0;
        for (Upload upload : window) {
            freed += upload.sizeBytes();
            if (freed >= excess) {
                return Math.max(1, Duration.between(now, upload.at().plus(QUOTA_WINDOW)).toSeconds() + 1);
            }
        }
        return QUOTA_WINDOW.toSeconds(); // larger than a whole day's quota: the size check answers first
    }

    List<Firmware> list(String orgSlug, int offset, int limit) {
        return database.list("SELECT " + COLUMNS + " FROM firmware WHERE org_slug = ? ORDER BY created_at DESC,"
                + " firmware_id OFFSET ? LIMIT ?", FirmwareStore::firmware, orgSlug, offset, limit);
    }

    long count(String orgSlug) {
        return database.one("SELECT count(*) FROM firmware WHERE org_slug = ?", row -> row.getLong(1), orgSlug).orElse(0L);
    }

    Optional<Firmware> find(String orgSlug, UUID firmwareId) {
        return database.transaction(tx -> find(tx, orgSlug, firmwareId));
    }

    /** Within the caller's transaction, so a caller holding a connection does not take a second one from the pool. */
    Optional<Firmware> find(Database.Tx tx, String orgSlug, UUID firmwareId) throws SQLException {
        return tx.one("SELECT " + COLUMNS + " FROM firmware WHERE org_slug = ? AND firmware_id = ?",
                FirmwareStore::firmware, orgSlug, firmwareId);
    }

    Optional<Firmware> byVersion(String orgSlug, String hardwareModel, String version) {
        return database.one("SELECT " + COLUMNS + " FROM firmware WHERE org_slug = ? AND hardware_model = ? AND version = ?",
                FirmwareStore::firmware, orgSlug, hardwareModel, version);
    }

    /** Bytes {@code range.first()..range.last()} of the image, read in the database rather than the whole image. */
    byte[] content(String orgSlug, UUID firmwareId, ByteRange range) {
        return database.one("SELECT substring(content FROM ?::integer FOR ?::integer) FROM firmware WHERE org_slug = ? AND firmware_id = ?",
                row -> row.getBytes(1), range.first() + 1, range.length(), orgSlug, firmwareId)
                .orElseThrow(() -> ApiException.notFound("firmware"));
    }

    /** Deletes an image no deployment refers to; false when there was none. */
    boolean delete(String orgSlug, UUID firmwareId) {
        return database.transaction(tx -> {
            if (tx.one("SELECT 1 FROM ota_deployments WHERE org_slug = ? AND firmware_id = ? LIMIT 1", row -> 1,
                    orgSlug, firmwareId).isPresent()) {
                throw ApiException.conflict("the firmware is used by a deployment; it can be deleted once no deployment"
                        + " refers to it");
            }
            return tx.update("DELETE FROM firmware WHERE org_slug = ? AND firmware_id = ?", orgSlug, firmwareId) == 1;
        });
    }

    private record Upload(Instant at, long sizeBytes) {
    }

    private static Firmware firmware(ResultSet row) throws SQLException {
        return new Firmware(row.getObject("firmware_id", UUID.class), row.getString("hardware_model"),
                row.getString("version"), row.getLong("size_bytes"), row.getString("sha256"),
                row.getTimestamp("created_at").toInstant(), row.getObject("created_by", UUID.class));
    }
}
