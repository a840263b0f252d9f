package io.plantline.api.rules;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.api.db.Database;
import io.plantline.api.http.ApiException;
import io.plantline.api.http.ApiRoutes;
import io.plantline.api.http.Call;
import io.plantline.api.http.Fields;
import io.plantline.api.http.Reply;
import io.plantline.api.http.Role;
import io.plantline.model.AlertRule;
import io.plantline.model.Comparison;
import io.plantline.model.Limits;
import io.plantline.model.RuleScope;
import io.plantline.model.Severity;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code /rules}: threshold alert rules (the rule contract of the analytics job). Admins write them; every change
 * reaches the running job through {@code factory.rules} within seconds.
 */
public final class RuleRoutes {

    private static final Set<String> OPERATORS = Arrays.stream(Comparison.values()).map(Comparison::symbol)
            .collect(Collectors.toUnmodifiableSet());
    private static final Set<String> SEVERITIES = Arrays.stream(Severity.values()).map(Severity::name)
            .collect(Collectors.toUnmodifiableSet());
    private static final Set<String> SCOPES = Arrays.stream(RuleScope.ScopeType.values()).map(Enum::name)
            .collect(Collectors.toUnmodifiableSet());

    /** A rule as the API shows it. */
    public record RuleView(String ruleId, String name, Scope scope, String metric, String operator, double threshold,
                           Integer forSeconds, Integer count, Double clearThreshold, Severity severity,
                           AlertRule.Escalation escalation, boolean enabled, Instant createdAt, Instant updatedAt) {

        public record Scope(RuleScope.ScopeType type, String target) {
        }

        static RuleView of(RuleStore.StoredRule stored) {
            AlertRule rule = stored.rule();
            return new RuleView(rule.ruleId(), stored.name(), new Scope(rule.scope().type(), rule.scope().target()),
                    rule.metric(), rule.operator().symbol(), rule.threshold(), rule.forSeconds().orElse(null),
                    rule.count().orElse(null), rule.clearThreshold().orElse(null), rule.severity(),
                    rule.escalation().orElse(null), rule.enabled(), stored.createdAt(), stored.updatedAt());
        }
    }

    private final Database database;
    private final RuleStore rules;

    public RuleRoutes(Database database, RuleStore rules) {
        this.database = database;
        this.rules = rules;
    }

    public void register(ApiRoutes routes) {
        routes.get("/rules", Role.VIEWER, this::list);
        routes.post("/rules", Role.ADMIN, this::create);
        routes.get("/rules/:ruleId", Role.VIEWER, this::get);
        routes.put("/rules/:ruleId", Role.ADMIN, this::replace);
        routes.delete("/rules/:ruleId", Role.ADMIN, this::delete);
    }

    private Object list(Call call) {
        Call.PageRequest page = call.page();
        return page.of(rules.list(call.org(), page.offset(), page.pageSize()).stream().map(RuleView::of).toList(),
                rules.count(call.org()));
    }

    private Object get(Call call) {
        return rules.find(call.org(), call.path("ruleId")).map(RuleView::of).orElseThrow(() -> ApiException.notFound("rule"));
    }

    private Object create(Call call) {
        ObjectNode body = call.body();
        Fields fields = new Fields(body, "ruleId", "name", "scope", "metric", "operator", "threshold", "forSeconds", "count",
                "clearThreshold", "severity", "escalation", "enabled");
        String ruleId = fields.required("ruleId", fields.matching("ruleId", Limits.IDENTIFIER));
        Submitted submitted = read(call.org(), ruleId, fields);
        call.audit("rule/" + ruleId);
        database.transaction(tx -> {
            requireScopeExists(tx, call.org(), submitted.rule().scope());
            return rules.save(tx, submitted.name(), submitted.rule(), true);
        });
        return Reply.created(get(call.org(), ruleId));
    }

    private Object replace(Call call) {
        String ruleId = call.path("ruleId");
        Fields fields = new Fields(call.body(), "name", "scope", "metric", "operator", "threshold", "forSeconds", "count",
                "clearThreshold", "severity", "escalation", "enabled");
        if (!Limits.IDENTIFIER.matcher(ruleId).matches()) {
            throw ApiException.notFound("rule");
        }
        Submitted submitted = read(call.org(), ruleId, fields);
        call.audit("rule/" + ruleId);
        boolean updated = database.transaction(tx -> {
            requireScopeExists(tx, call.org(), submitted.rule().scope());
            return rules.save(tx, submitted.name(), submitted.rule(), false);
        });
        if (!updated) {
            throw ApiException.notFound("rule");
        }
        return get(call.org(), ruleId);
    }

    private Object delete(Call call) {
        String ruleId = call.path("ruleId");
        call.audit("rule/" + ruleId);
        if (!database.transaction(tx -> rules.delete(tx, call.org(), ruleId, call.principal().email()))) {
            throw ApiException.notFound("rule");
        }
        return Reply.noContent();
    }

    private RuleView get(String orgSlug, String ruleId) {
        return rules.find(orgSlug, ruleId).map(RuleView::of).orElseThrow(() -> ApiException.notFound("rule"));
    }

    private record Submitted(String name, AlertRule rule) {
    }

    /** Reads the body's rule; type errors and the rule's own validation come back together in one 400. */
    private static Submitted read(String orgSlug, String ruleId, Fields fields) {
        String name = fields.text("name", 200).orElse("");
        Optional<ObjectNode> scopeNode = fields.object("scope", 2);
        Fields scopeFields = scopeNode.map(node -> new Fields(node, "type", "target")).orElse(null);
        String metric = fields.required("metric", fields.text("metric", 64));
        String operator = fields.required("operator", fields.oneOf("operator", OPERATORS));
        Double threshold = fields.required("threshold", fields.number("threshold"));
        Optional<Integer> forSeconds = fields.integer("forSeconds", 0, AlertRule.MAX_SUSTAIN_SECONDS);
        Optional<Integer> count = fields.integer("count", 1, AlertRule.MAX_SUSTAIN_COUNT);
        Optional<Double> clearThreshold = fields.number("clearThreshold");
        String severity = fields.required("severity", fields.oneOf("severity", SEVERITIES));
        Optional<AlertRule.Escalation> escalation = fields.object("escalation", 2).flatMap(node -> {
            Fields step = new Fields(node, "afterSeconds", "severity");
            Integer after = step.required("afterSeconds", step.integer("afterSeconds", 1, AlertRule.MAX_SUSTAIN_SECONDS));
            String to = step.required("severity", step.oneOf("severity", SEVERITIES));
            collect(fields, step, "escalation.");
            return after == null || to == null ? Optional.empty()
                    : Optional.of(new AlertRule.Escalation(after, Severity.valueOf(to)));
        });
        boolean enabled = fields.bool("enabled").orElse(true);
        RuleScope scope = null;
        if (scopeFields == null) {
            fields.problem("scope is required: {\"type\": \"DEVICE\" | \"GROUP\" | \"ORGANISATION\", \"target\": id}");
        } else {
            String type = scopeFields.required("type", scopeFields.oneOf("type", SCOPES));
            Optional<String> target = scopeFields.text("target", 128);
            collect(fields, scopeFields, "scope.");
            if (type != null) {
                try {
                    scope = new RuleScope(RuleScope.ScopeType.valueOf(type), target.orElse(null), Set.of());
                } catch (IllegalArgumentException e) {
                    Arrays.stream(e.getMessage().split("; ")).forEach(fields::problem);
                }
            }
        }
        fields.check();
        try {
            return new Submitted(name, new AlertRule(ruleId, orgSlug, scope, metric, Comparison.fromSymbol(operator),
                    threshold, forSeconds, count, clearThreshold, Severity.valueOf(severity), escalation, enabled));
        } catch (IllegalArgumentException e) {
            throw ApiException.validation(Arrays.asList(e.getMessage().split("; ")));
        }
    }

    /** Moves a nested object's problems into the body's, prefixed with the object's name. */
    private static void collect(Fields into, Fields nested, String prefix) {
        try {
            nested.check();
        } catch (ApiException e) {
            e.details().forEach(problem -> into.problem(prefix + problem));
        }
    }

    private static void requireScopeExists(Database.Tx tx, String orgSlug, RuleScope scope) throws java.sql.SQLException {
        String existence = switch (scope.type()) {
            case DEVICE -> "SELECT 1 FROM devices WHERE org_slug = ? AND device_id = ?";
            case GROUP -> "SELECT 1 FROM device_groups WHERE org_slug = ? AND group_id = ?";
            case ORGANISATION -> null;
        };
        if (existence != null && tx.one(existence, row -> 1, orgSlug, scope.target()).isEmpty()) {
            throw ApiException.businessRule("scope.target: no " + scope.type().name().toLowerCase() + " " + scope.target());
        }
    }
}
