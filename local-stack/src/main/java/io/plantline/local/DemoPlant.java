package io.plantline.local;

import io.plantline.api.stops.StopReasonRoutes;
import io.plantline.model.AlertRule;
import io.plantline.model.Comparison;
import io.plantline.model.RuleScope;
import io.plantline.model.Severity;
import io.plantline.model.shifts.Shift;
import io.plantline.model.shifts.ShiftBreak;
import io.plantline.model.shifts.ShiftCalendar;
import io.plantline.simulator.SimulatedMachine;
import io.plantline.simulator.SimulatedStopReason;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * Registers the simulated plant in the registry tables: its organisation, one device per machine (with
 * the machine's ideal cycle time) and one device group per production line. Safe to run at every start. Also the
 * plant's shift calendar and catalogue of stop reasons, which the control API writes ({@link #calendar()},
 * {@link #catalogue()}).
 */
final class DemoPlant {

    private static final int MINOR_STOP_SECONDS = 120;

    private DemoPlant() {
    }

    /**
     * The organisation, its machines (each with its ideal cycle time from {@code effectiveFrom} on), lines and demo
     * rule; what a restart finds already there is kept as it is.
     */
    static void register(DataSource database, String orgSlug, ZoneId zone, List<SimulatedMachine> machines,
                         Instant effectiveFrom) throws SQLException {
        try (Connection connection = database.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement organisation = connection.prepareStatement(
                    "INSERT INTO organisations (slug, name, time_zone) VALUES (?, ?, ?) ON CONFLICT (slug) DO NOTHING");
                 PreparedStatement device = connection.prepareStatement(
                         "INSERT INTO devices (org_slug, device_id, name, hardware_model, ideal_cycle_schedule) "
                                 + "VALUES (?, ?, ?, 'simulated-cnc', jsonb_build_array(jsonb_build_object("
                                 + "'effectiveFrom', ?, 'idealCycleSeconds', ?))) ON CONFLICT (org_slug, device_id) DO NOTHING");
                 PreparedStatement group = connection.prepareStatement(
                         "INSERT INTO device_groups (org_slug, group_id, name) VALUES (?, ?, ?) "
                                 + "ON CONFLICT (org_slug, group_id) DO NOTHING");
                 PreparedStatement member = connection.prepareStatement(
                         "INSERT INTO device_group_members (org_slug, group_id, device_id) VALUES (?, ?, ?) "
                                 + "ON CONFLICT DO NOTHING")) {
                organisation.setString(1, orgSlug);
                organisation.setString(2, "Simulated plant");
                organisation.setString(3, zone.getId());
                organisation.executeUpdate();
                for (SimulatedMachine machine : machines) {
                    String deviceId = machine.device().deviceId();
                    device.setString(1, orgSlug);
                    device.setString(2, deviceId);
                    device.setString(3, "Simulated machine " + deviceId);
                    device.setString(4, effectiveFrom.toString());
                    device.setDouble(5, machine.profile().idealCycleSeconds());
                    device.addBatch();
                    group.setString(1, orgSlug);
                    group.setString(2, machine.line());
                    group.setString(3, "Line " + machine.line().substring(machine.line().indexOf('-') + 1));
                    group.addBatch();
                    member.setString(1, orgSlug);
                    member.setString(2, machine.line());
                    member.setString(3, deviceId);
                    member.addBatch();
                }
                device.executeBatch();
                group.executeBatch();
                member.executeBatch();
                insertOverheatRule(connection, orgSlug);
                insertDutyMailbox(connection, orgSlug);
                connection.commit();
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    /**
     * A mail channel to {@code duty@<org>.local} (local mode's mail catcher receives it) subscribed to alerts, offline
     * devices and roll-outs, at most one message per alert every 5 minutes, so the demo shows notifications at once.
     */
    private static void insertDutyMailbox(Connection connection, String orgSlug) throws SQLException {
        UUID channel = UUID.nameUUIDFromBytes(("duty-mailbox/" + orgSlug).getBytes(StandardCharsets.UTF_8));
        try (PreparedStatement insertChannel = connection.prepareStatement("INSERT INTO notification_channels (org_slug,"
                + " channel_id, name, type, settings, created_at) VALUES (?, ?, 'Duty mailbox (local mail)', 'email',"
                + " jsonb_build_object('to', jsonb_build_array(?)), now()) ON CONFLICT DO NOTHING");
             PreparedStatement subscribe = connection.prepareStatement("INSERT INTO notification_subscriptions (org_slug,"
                     + " subscription_id, channel_id, event_types, min_interval_s, created_at) VALUES (?, ?, ?, ?, 300, now())"
                     + " ON CONFLICT DO NOTHING")) {
            insertChannel.setString(1, orgSlug);
            insertChannel.setObject(2, channel);
            insertChannel.setString(3, "duty@" + orgSlug + ".local");
            if (insertChannel.executeUpdate() == 1) {
                subscribe.setString(1, orgSlug);
                subscribe.setObject(2, UUID.nameUUIDFromBytes(("duty-subscription/" + orgSlug).getBytes(StandardCharsets.UTF_8)));
                subscribe.setObject(3, channel);
                subscribe.setArray(4, connection.createArrayOf("text", new String[] {"alert.opened", "alert.escalated",
                        "device.offline", "rollout.paused", "rollout.completed", "rollout.failed"}));
                subscribe.executeUpdate();
            }
        }
    }

    /** The demo rule in the API's table too, so dashboards list the rule the job applies. */
    private static void insertOverheatRule(Connection connection, String orgSlug) throws SQLException {
        AlertRule rule = overheatRule(orgSlug);
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO alert_rules (org_slug, rule_id, name,"
                + " scope_type, metric, operator, threshold, for_seconds, clear_threshold, severity, escalate_after_seconds,"
                + " escalate_to) VALUES (?, ?, 'Overheating', 'ORGANISATION', ?, ?, ?, ?, ?, ?, ?, ?)"
                + " ON CONFLICT (org_slug, rule_id) DO NOTHING")) {
            insert.setString(1, orgSlug);
            insert.setString(2, rule.ruleId());
            insert.setString(3, rule.metric());
            insert.setString(4, rule.operator().symbol());
            insert.setDouble(5, rule.threshold());
            insert.setInt(6, rule.forSeconds().orElseThrow());
            insert.setDouble(7, rule.clearThreshold().orElseThrow());
            insert.setString(8, rule.severity().name());
            insert.setInt(9, rule.escalation().orElseThrow().afterSeconds());
            insert.setString(10, rule.escalation().orElseThrow().severity().name());
            insert.executeUpdate();
        }
    }

    /**
     * Two shifts every day of the week, each with a half-hour break, in the organisation's zone: a demo tried on a
     * Sunday shows planned time too. From 22:00 to 06:00 nothing is scheduled: the machines' running then is overtime.
     */
    static ShiftCalendar calendar() {
        Set<DayOfWeek> everyDay = EnumSet.allOf(DayOfWeek.class);
        return new ShiftCalendar(List.of(
                new Shift("Early", everyDay, LocalTime.of(6, 0), LocalTime.of(14, 0),
                        List.of(new ShiftBreak(LocalTime.of(10, 0), LocalTime.of(10, 30)))),
                new Shift("Late", everyDay, LocalTime.of(14, 0), LocalTime.of(22, 0),
                        List.of(new ShiftBreak(LocalTime.of(18, 0), LocalTime.of(18, 30))))), Set.of());
    }

    /** The reasons the simulated machines give, with their names and categories; stops under 120 s are minor. */
    static StopReasonRoutes.Catalogue catalogue() {
        return new StopReasonRoutes.Catalogue(MINOR_STOP_SECONDS, SimulatedStopReason.catalogue().stream()
                .map(reason -> new StopReasonRoutes.StopReason(reason.code().orElseThrow(), reason.title(),
                        reason.category().orElseThrow())).toList());
    }

    /**
     * The demo plant's alert rule, so local mode shows the alert lifecycle: the simulator's {@code breach} fault
     * holds the temperature above 95 °C, far above the machines' normal 55-75 °C.
     */
    static AlertRule overheatRule(String orgSlug) {
        return new AlertRule("overheat", orgSlug, RuleScope.organisation(), "temperature", Comparison.GREATER, 90,
                Optional.of(10), Optional.empty(), Optional.of(85.0), Severity.MAJOR,
                Optional.of(new AlertRule.Escalation(60, Severity.CRITICAL)), true);
    }
}
