package io.plantline.api.notifications;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Fields;
import io.plantline.api.http.Json;
import io.plantline.api.http.Reply;
import io.plantline.api.http.Role;
import io.plantline.model.Limits;
import io.plantline.model.Severity;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.InternetAddress;
import java.net.URI;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.LocalTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * {@code /notification-channels}, {@code /notification-subscriptions} and {@code /notification-deliveries}: where
 * messages go, which events reach them, and what became of each message. Admins only: channels hold recipients and
 * gateway credentials. A webhook channel's signing secret is answered once, at creation.
 */
public final class NotificationRoutes {

    private static final Set<String> TYPES = Set.of("email", "webhook", "sms");
    private static final Set<String> STATUSES = Set.of("pending", "delivered", "failed", "cancelled");
    private static final int MAX_RECIPIENTS = 20;
    private static final int MAX_HEADERS = 20;
    private static final Pattern PHONE = Pattern.compile("\\+?[0-9][0-9 ()-]{2,31}");
    private static final Pattern HEADER_NAME = Pattern.compile("[A-Za-z0-9-]{1,64}");
    /** Headers the HTTP client sets itself. */
    private static final Set<String> RESERVED_HEADERS = Set.of("host", "connection", "content-length", "expect",
            "upgrade", WebhookSender.DELIVERY.toLowerCase(java.util.Locale.ROOT));
    private static final String MASKED = "***";
    private static final Pattern UUID_TEXT = Pattern.compile("[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}");

    private final Database database;
    private final NotificationStore store;
    private final ChannelBreakers breakers;
    private final boolean allowHttp;
    private final DestinationPolicy destinations;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    NotificationRoutes(Database database, NotificationStore store, ChannelBreakers breakers, boolean allowHttp,
                       DestinationPolicy destinations, Clock clock) {
        this.database = database;
        this.store = store;
        this.breakers = breakers;
        this.allowHttp = allowHttp;
        this.destinations = destinations;
        this.clock = clock;
    }

    void register(ApiRoutes routes) {
        routes.get("/notification-channels", Role.ADMIN, call -> {
            Call.PageRequest page = call.page();
            return page.of(store.channels(call.org(), page.offset(), page.pageSize()).stream()
                    .map(this::shown).toList(), store.channelCount(call.org()));
        });
        routes.post("/notification-channels", Role.ADMIN, this::createChannel);
        routes.get("/notification-channels/:channelId", Role.ADMIN, call -> shown(channel(call)));
        routes.delete("/notification-channels/:channelId", Role.ADMIN, call -> {
            call.audit("notification-channel/" + call.path("channelId"));
            UUID channelId = call.uuidPath("channelId", "channel");
            if (!store.deleteChannel(call.org(), channelId)) {
                throw ApiException.notFound("channel");
            }
            breakers.forget(channelId);
            return Reply.noContent();
        });
        routes.post("/notification-channels/:channelId/test", Role.ADMIN, this::test);
        routes.get("/notification-subscriptions", Role.ADMIN, call -> {
            Call.PageRequest page = call.page();
            return page.of(store.subscriptions(call.org(), page.offset(), page.pageSize()),
                    store.subscriptionCount(call.org()));
        });
        routes.post("/notification-subscriptions", Role.ADMIN, this::createSubscription);
        routes.get("/notification-subscriptions/:subscriptionId", Role.ADMIN, call -> store.subscription(call.org(),
                call.uuidPath("subscriptionId", "subscription")).orElseThrow(() -> ApiException.notFound("subscription")));
        routes.delete("/notification-subscriptions/:subscriptionId", Role.ADMIN, call -> {
            call.audit("notification-subscription/" + call.path("subscriptionId"));
            if (!store.deleteSubscription(call.org(), call.uuidPath("subscriptionId", "subscription"))) {
                throw ApiException.notFound("subscription");
            }
            return Reply.noContent();
        });
        routes.get("/notification-deliveries", Role.ADMIN, this::deliveries);
        routes.get("/notification-deliveries/:deliveryId", Role.ADMIN, call -> store.delivery(call.org(),
                call.uuidPath("deliveryId", "delivery")).orElseThrow(() -> ApiException.notFound("delivery")));
    }

    private Object createChannel(Call call) {
        Fields fields = new Fields(call.body(), "name", "type", "settings");
        String name = fields.required("name", fields.text("name", 200).filter(text -> !text.isBlank()));
        String type = fields.required("type", fields.oneOf("type", TYPES));
        ObjectNode settings = fields.required("settings", fields.object("settings", MAX_HEADERS));
        if (type != null && settings != null) {
            switch (type) {
                case "email" -> checkEmail(settings, fields);
                case "webhook" -> checkWebhook(settings, fields);
                default -> checkSms(settings, fields);
            }
        }
        fields.check();
        String secret = type.equals("webhook") ? secret() : null;
        Channel channel = new Channel(UUID.randomUUID(), name, type, settings, true, 0, null, null, clock.instant(),
                secret);
        call.audit("notification-channel/" + channel.channelId());
        try {
            store.createChannel(call.org(), channel);
        } catch (Database.DatabaseException e) {
            if ("23505".equals(e.sqlState())) {
                throw ApiException.conflict("a channel named '" + name + "' exists already");
            }
            throw e;
        }
        ObjectNode answer = Json.MAPPER.valueToTree(shown(channel));
        if (secret != null) {
            answer.put("signingSecret", secret);
        }
        return Reply.created(answer);
    }

    private void checkEmail(ObjectNode settings, Fields fields) {
        Fields email = new Fields(settings, "to");
        JsonNode to = settings.path("to");
        if (!to.isArray() || to.isEmpty() || to.size() > MAX_RECIPIENTS) {
            email.problem("to must be a list of 1 to " + MAX_RECIPIENTS + " addresses");
        } else {
            for (JsonNode address : to) {
                if (!address.isTextual() || !isAddress(address.textValue())) {
                    email.problem("to: " + clip(address.asText()) + " is not an e-mail address");
                }
            }
        }
        nested(email, fields);
    }

    private void checkWebhook(ObjectNode settings, Fields fields) {
        Fields webhook = new Fields(settings, "url");
        String url = webhook.required("url", webhook.text("url", 2000));
        if (url != null) {
            checkUrl(url, webhook);
        }
        nested(webhook, fields);
    }

    private void checkSms(ObjectNode settings, Fields fields) {
        Fields sms = new Fields(settings, "url", "to", "body", "headers", "encoding");
        String url = sms.required("url", sms.text("url", 2000));
        if (url != null) {
            checkUrl(url.replace("{{to}}", "to").replace("{{text}}", "text"), sms);
        }
        sms.required("to", sms.matching("to", PHONE));
        sms.required("body", sms.text("body", 2000));
        sms.oneOf("encoding", Set.of("json", "form"));
        sms.object("headers", MAX_HEADERS).ifPresent(headers -> {
            for (Iterator<Map.Entry<String, JsonNode>> entries = headers.fields(); entries.hasNext(); ) {
                Map.Entry<String, JsonNode> header = entries.next();
                if (!HEADER_NAME.matcher(header.getKey()).matches()
                        || RESERVED_HEADERS.contains(header.getKey().toLowerCase(java.util.Locale.ROOT))) {
                    sms.problem("headers: " + clip(header.getKey()) + " is not a header name the gateway request may set");
                }
                if (!header.getValue().isTextual() || header.getValue().textValue().length() > 1000) {
                    sms.problem("headers: the value of " + clip(header.getKey()) + " must be a string of at most 1000 characters");
                }
            }
        });
        nested(sms, fields);
    }

    private void checkUrl(String url, Fields fields) {
        try {
            URI uri = new URI(url);
            boolean secure = "https".equals(uri.getScheme());
            boolean plain = "http".equals(uri.getScheme());
            if (uri.getHost() == null || !(secure || plain && allowHttp)) {
                fields.problem("url must be an absolute " + (allowHttp ? "http or https" : "https") + " URL");
            } else if (destinations.refusesLiteral(uri.getHost())) {
                fields.problem("url: the destination is not allowed (loopback, link-local and private addresses are"
                        + " refused)");
            }
        } catch (java.net.URISyntaxException e) {
            fields.problem("url is not a URL: " + clip(e.getReason()));
        }
    }

    private Object test(Call call) {
        Channel channel = channel(call);
        UUID deliveryId = database.transaction(tx -> Outbox.enqueueTest(tx, channel.channelId(),
                NotificationEvent.test(call.org(), channel.name(), UUID.randomUUID().toString(), clock.instant()),
                clock.instant()));
        return new Reply.Data(202, Map.of("deliveryId", deliveryId));
    }

    private Object createSubscription(Call call) {
        Fields fields = new Fields(call.body(), "channelId", "eventTypes", "minSeverity", "groupId", "ruleId",
                "quietFrom", "quietTo", "minIntervalSeconds");
        String channelId = fields.required("channelId", fields.matching("channelId", UUID_TEXT));
        List<String> types = fields.required("eventTypes", fields.textList("eventTypes", Pattern.compile("[a-z.]{1,32}"),
                NotificationEvent.TYPES.size()));
        if (types != null && (types.isEmpty() || !new HashSet<>(NotificationEvent.TYPES).containsAll(types))) {
            fields.problem("eventTypes must be one or more of " + String.join(", ", NotificationEvent.TYPES));
        }
        Optional<String> severity = fields.oneOf("minSeverity",
                Set.copyOf(Arrays.stream(Severity.values()).map(Enum::name).toList()));
        Optional<String> groupId = fields.matching("groupId", Limits.IDENTIFIER);
        Optional<String> ruleId = fields.matching("ruleId", Limits.IDENTIFIER);
        LocalTime quietFrom = time(fields, "quietFrom");
        LocalTime quietTo = time(fields, "quietTo");
        if ((quietFrom == null) != (quietTo == null)) {
            fields.problem("quietFrom and quietTo go together");
        }
        int interval = fields.integer("minIntervalSeconds", 0, 86_400).orElse(0);
        if (channelId != null && store.channel(call.org(), UUID.fromString(channelId)).isEmpty()) {
            fields.problem("channelId names no channel of this organisation");
        }
        if (groupId.isPresent() && database.one("SELECT 1 FROM device_groups WHERE org_slug = ? AND group_id = ?",
                row -> 1, call.org(), groupId.get()).isEmpty()) {
            fields.problem("groupId names no group of this organisation");
        }
        fields.check();
        Subscription subscription = new Subscription(UUID.randomUUID(), UUID.fromString(channelId), types,
                severity.map(Severity::valueOf).orElse(null), groupId.orElse(null), ruleId.orElse(null), quietFrom,
                quietTo, interval, clock.instant());
        call.audit("notification-subscription/" + subscription.subscriptionId());
        store.createSubscription(call.org(), subscription);
        return Reply.created(subscription);
    }

    private Object deliveries(Call call) {
        List<String> problems = new ArrayList<>();
        Optional<String> channelId = call.query("channelId", UUID_TEXT, problems);
        Optional<String> status = call.query("status", Pattern.compile(String.join("|", STATUSES)), problems);
        Optional<String> eventType = call.query("eventType", Pattern.compile("[a-z.]{1,32}"), problems);
        Call.PageRequest page = call.pageRequest(problems);
        ApiException.throwIfAny(problems);
        NotificationStore.DeliveryFilter filter = new NotificationStore.DeliveryFilter(channelId.map(UUID::fromString),
                status, eventType);
        return page.of(store.deliveries(call.org(), filter, page.offset(), page.pageSize()),
                store.deliveryCount(call.org(), filter));
    }

    private Channel channel(Call call) {
        return store.channel(call.org(), call.uuidPath("channelId", "channel"))
                .orElseThrow(() -> ApiException.notFound("channel"));
    }

    /**
     * A channel as answered, with its breaker's state: a gateway's header values (its credentials) are never shown
     * again.
     */
    private Channel shown(Channel channel) {
        String breaker = breakers.state(channel.channelId());
        if (!channel.settings().has("headers")) {
            return channel.shown(channel.settings(), breaker);
        }
        ObjectNode settings = channel.settings().deepCopy();
        ObjectNode headers = (ObjectNode) settings.get("headers");
        headers.fieldNames().forEachRemaining(name -> headers.put(name, MASKED));
        return channel.shown(settings, breaker);
    }

    private static LocalTime time(Fields fields, String name) {
        Optional<String> text = fields.matching(name, Pattern.compile("\\d{2}:\\d{2}"));
        try {
            return text.map(LocalTime::parse).orElse(null);
        } catch (DateTimeParseException e) {
            fields.problem(name + " must be a time of day, HH:MM");
            return null;
        }
    }

    private static void nested(Fields nested, Fields parent) {
        nested.problems().forEach(problem -> parent.problem("settings." + problem));
    }

    private static boolean isAddress(String text) {
        try {
            new InternetAddress(text, true).validate();
            return text.length() <= 254 && text.contains("@");
        } catch (MessagingException e) {
            return false;
        }
    }

    private String secret() {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return "whsec_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String clip(String text) {
        return text == null ? "" : text.length() > 64 ? text.substring(0, 64) + "..." : text;
    }
}
