package io.plantline.api.ota;

import io.plantline.api.ApiOptions;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Reply;
import io.plantline.api.http.Role;
import io.plantline.model.Sha256;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code /ota/firmware}: firmware images. Operators upload them (the raw body with {@code version},
 * {@code hardwareModel} and {@code sha256} as query parameters, or {@code multipart/form-data} with those fields
 * and a {@code file} part), up to the size limit per image (413) and the organisation's quota per day (429); a
 * version is unique per hardware model (409). The server computes the SHA-256 and refuses an upload whose
 * declared one differs (422). Images are served whole or by byte range, to users and through signed links to
 * devices ({@code /ota/download}).
 */
public final class FirmwareRoutes {

    static final Pattern VERSION = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.+-]{0,63}");
    private static final Pattern HARDWARE_MODEL = Pattern.compile("[A-Za-z0-9_.+-]{0,64}");
    private static final Pattern SHA256 = Pattern.compile("[0-9a-fA-F]{64}");
    /** Room for a multipart body's boundaries and text fields around an image of the largest size. */
    private static final long MULTIPART_OVERHEAD_BYTES = 64 * 1024;

    private final FirmwareStore store;
    private final DownloadLinks links;
    private final ApiOptions.Ota limits;
    private final Clock clock;

    public FirmwareRoutes(FirmwareStore store, DownloadLinks links, ApiOptions.Ota limits, Clock clock) {
        this.store = store;
        this.links = links;
        this.limits = limits;
        this.clock = clock;
    }

    public void register(ApiRoutes routes) {
        routes.post("/ota/firmware", Role.OPERATOR, limits.maxFirmwareBytes() + MULTIPART_OVERHEAD_BYTES, this::upload);
        routes.get("/ota/firmware", Role.VIEWER, this::list);
        routes.get("/ota/firmware/:firmwareId", Role.VIEWER, call -> find(call.org(), call.path("firmwareId")));
        routes.delete("/ota/firmware/:firmwareId", Role.OPERATOR, this::delete);
        routes.get("/ota/firmware/:firmwareId/content", Role.VIEWER, call -> {
            Firmware firmware = find(call.org(), call.path("firmwareId"));
            return serve(call, call.org(), firmware);
        });
        routes.post("/ota/firmware/:firmwareId/download-link", Role.OPERATOR, call -> {
            Firmware firmware = find(call.org(), call.path("firmwareId"));
            return links.issue(call.org(), firmware.firmwareId());
        });
        routes.open("GET", DownloadLinks.PATH, 0, call -> {
            DownloadLinks.Grant grant = links.verify(call.query("token"));
            Firmware firmware = store.find(grant.orgSlug(), grant.firmwareId())
                    .orElseThrow(() -> ApiException.notFound("firmware"));
            return serve(call, grant.orgSlug(), firmware);
        });
    }

    private Object upload(Call call) {
        Map<String, byte[]> parts = call.isMultipart() ? call.multipartParts() : Map.of();
        byte[] content = call.isMultipart() ? parts.getOrDefault("file", new byte[0]) : call.rawBody();
        List<String> problems = new ArrayList<>();
        String version = field(call, parts, "version").orElse("");
        if (!VERSION.matcher(version).matches()) {
            problems.add("version is required and must match " + VERSION.pattern());
        }
        String hardwareModel = field(call, parts, "hardwareModel").orElse("");
        if (!HARDWARE_MODEL.matcher(hardwareModel).matches()) {
            problems.add("hardwareModel must match " + HARDWARE_MODEL.pattern());
        }
        Optional<String> declared = field(call, parts, "sha256");
        if (declared.isPresent() && !SHA256.matcher(declared.get()).matches()) {
            problems.add("sha256 must be 64 hexadecimal digits");
        }
        if (content.length == 0) {
            problems.add(call.isMultipart() ? "the file part is missing or empty" : "the body (the image) is empty");
        }
        ApiException.throwIfAny(problems);
        if (content.length > limits.maxFirmwareBytes()) {
            throw ApiException.tooLarge(limits.maxFirmwareBytes());
        }
        String sha256 = Sha256.hex(content);
        if (declared.isPresent() && !declared.get().toLowerCase(Locale.ROOT).equals(sha256)) {
            throw ApiException.of(422, "checksum_mismatch", "the image's SHA-256 is " + sha256
                    + ", not the declared " + declared.get().toLowerCase(Locale.ROOT));
        }
        Firmware firmware = store.insert(call.org(), hardwareModel, version, content, sha256,
                call.principal().userId(), clock.instant(), limits.dailyUploadBytes());
        call.audit("firmware " + firmware.firmwareId());
        return Reply.created(firmware);
    }

    /** A form field of a multipart upload, else the query parameter of a raw one. */
    private static Optional<String> field(Call call, Map<String, byte[]> parts, String name) {
        if (call.isMultipart()) {
            return Optional.ofNullable(parts.get(name)).map(bytes -> new String(bytes, StandardCharsets.UTF_8).trim())
                    .filter(text -> !text.isEmpty());
        }
        return call.query(name);
    }

    private Object list(Call call) {
        Call.PageRequest page = call.page();
        return page.of(store.list(call.org(), page.offset(), page.pageSize()), store.count(call.org()));
    }

    private Object delete(Call call) {
        Firmware firmware = find(call.org(), call.path("firmwareId"));
        if (!store.delete(call.org(), firmware.firmwareId())) {
            throw ApiException.notFound("firmware");
        }
        call.audit("firmware " + firmware.firmwareId());
        return Reply.noContent();
    }

    Firmware byVersion(String orgSlug, String hardwareModel, String version) {
        return store.byVersion(orgSlug, hardwareModel, version).orElseThrow(() -> ApiException.notFound("firmware "
                + version + (hardwareModel.isEmpty() ? "" : " for hardware model " + hardwareModel)));
    }

    Firmware find(String orgSlug, String firmwareId) {
        try {
            return store.find(orgSlug, UUID.fromString(firmwareId)).orElseThrow(() -> ApiException.notFound("firmware"));
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("firmware");
        }
    }

    /**
     * The image, or the byte range asked for: 206 with {@code Content-Range}, or 416 for a range past the end.
     * {@code If-Range} with another ETag than the image's (its SHA-256) gets the whole image, since a client
     * must not splice parts of two different images.
     */
    private Reply serve(Call call, String orgSlug, Firmware firmware) {
        String etag = "\"" + firmware.sha256() + "\"";
        Optional<String> range = call.header("Range");
        if (call.header("If-Range").filter(ifRange -> !ifRange.equals(etag)).isPresent()) {
            range = Optional.empty();
        }
        long size = firmware.sizeBytes();
        Map<String, String> headers = new java.util.LinkedHashMap<>(Map.of("Accept-Ranges", "bytes", "ETag", etag,
                "Content-Disposition", "attachment; filename=\"firmware-" + firmware.version() + ".bin\""));
        ByteRange.Request request = ByteRange.of(range, size);
        if (request instanceof ByteRange.Unsatisfiable) {
            headers.put("Content-Range", "bytes */" + size);
            return new Reply.Binary(416, new byte[0], headers);
        }
        if (request instanceof ByteRange.Part part) {
            headers.put("Content-Range", part.range().contentRange(size));
            return new Reply.Binary(206, store.content(orgSlug, firmware.firmwareId(), part.range()), headers);
        }
        return new Reply.Binary(200, store.content(orgSlug, firmware.firmwareId(), new ByteRange(0, size - 1)), headers);
    }
}
