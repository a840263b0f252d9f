package io.plantline.api.mqtt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.plantline.api.db.Database;
import io.plantline.api.devices.BrokerAccounts;
import io.plantline.api.devices.DeviceKeys;
import io.plantline.api.http.ApiException;
import io.plantline.concurrent.DaemonThreads;
import io.plantline.model.DeviceRef;
import io.plantline.model.Sha256;
import io.plantline.model.mqtt.MqttGrant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps Mosquitto's dynamic-security accounts in step with the device registry, for cluster mode. A device's account
 * (user name {@code org/device}, its write key as password, the user name as its only client id, so no device takes
 * over another's session or the bridge's, a role with the rights of {@link MqttGrant#device}) is
 * written when the API issues the key, the only moment the key is known; the account remembers the key's prefix. Every
 * {@link #REVIEW_EVERY} the accounts are compared with the registry: a device disabled, deleted or whose broker
 * account holds another key than the registry's is disabled or deleted (which disconnects it), a device enabled again
 * is enabled, an account without its client id (written by an earlier version) gets it; an account whose device the
 * registry has not shown yet is left alone for {@link #UNREGISTERED_GRACE}.
 * The services' accounts are written at start.
 */
public final class MosquittoAccounts implements BrokerAccounts, AutoCloseable {

    static final Duration REVIEW_EVERY = Duration.ofSeconds(2);
    /**
     * How long an account whose device the registry has never shown is kept: it is written inside the transaction
     * that registers the device, so a review may list it before the device is committed; deleting it then would lock
     * the device out for good, since its key is known only when issued.
     */
    static final Duration UNREGISTERED_GRACE = Duration.ofSeconds(30);
    private static final Logger LOG = LoggerFactory.getLogger(MosquittoAccounts.class);

    private record RegisteredDevice(String username, boolean enabled, String keyPrefix) {
    }

    private record BrokerAccount(String username, boolean disabled, String keyPrefix, String clientId) {
    }

    private final DynsecClient dynsec;
    private final Database database;
    /** Review state, touched only by the review thread: the devices the last review saw, and accounts awaiting theirs. */
    private Set<String> registeredBefore = Set.of();
    private final Map<String, Long> unregisteredSinceNanos = new HashMap<>();
    private final ScheduledExecutorService reviews =
            Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("mosquitto-accounts"));

    private MosquittoAccounts(DynsecClient dynsec, Database database) {
        this.dynsec = dynsec;
        this.database = database;
    }

    /** Connects as the plugin's admin, writes the services' accounts and starts reviewing the devices' ones. */
    public static MosquittoAccounts start(String host, int port, String adminUser, String adminPassword,
                                          List<ServiceAccount> services, Database database) {
        DynsecClient dynsec = new DynsecClient(host, port, adminUser, adminPassword);
        try {
            dynsec.connect();
            MosquittoAccounts accounts = new MosquittoAccounts(dynsec, database);
            for (ServiceAccount service : services) {
                accounts.writeUnlessAsItShouldBe(service);
            }
            accounts.reviews.scheduleWithFixedDelay(accounts::reviewQuietly, 0, REVIEW_EVERY.toMillis(), TimeUnit.MILLISECONDS);
            return accounts;
        } catch (DynsecClient.DynsecException e) {
            dynsec.close();
            throw new IllegalStateException("cannot manage Mosquitto's accounts at " + host + ":" + port + ": "
                    + e.getMessage(), e);
        }
    }

    /** Writes the device's account with its new key; an answer of 503 if the broker does not take it. */
    @Override
    public void issued(DeviceRef device, DeviceKeys.Issued key) {
        try {
            write(username(device), key.key(), key.prefix(), MqttGrant.device(device.orgSlug(), device.deviceId(), key.prefix()),
                    username(device));
        } catch (DynsecClient.DynsecException e) {
            LOG.warn("Mosquitto did not take the key of {}", username(device), e);
            throw ApiException.unavailable("the MQTT broker did not take the device's key; nothing was changed, try again");
        }
    }

    /**
     * Writes a service's account unless Mosquitto already has it as it should be: replacing it would disconnect its
     * clients (the bridges) at every start of every control API. The account's description keeps a digest of its
     * password and grant, which Mosquitto cannot show itself, so a changed password or grant is still written.
     */
    private void writeUnlessAsItShouldBe(ServiceAccount service) throws DynsecClient.DynsecException {
        String digest = "service " + Sha256.hex(service.password() + "\n" + role(service.username(), service.grant()));
        JsonNode current = dynsec.run(List.of(DynsecClient.command("getClient").put("username", service.username()))).get(0);
        if (digest.equals(current.path("data").path("client").path("textdescription").asText(""))) {
            LOG.info("Mosquitto's account {} is as it should be; left alone", service.username());
            return;
        }
        write(service.username(), service.password(), digest, service.grant(), null);
    }

    /**
     * Replaces the account: deleting it first disconnects a client of the old key, and gives the role a clean slate.
     * A role is added after the client is created, because Mosquitto 2.0 does not track a role given inside
     * createClient for later changes. A {@code clientId} (or null: any) is the only one the account may connect with;
     * the services' accounts take any, since the bridge connects several times under one account.
     */
    private void write(String username, String password, String description, MqttGrant grant, String clientId)
            throws DynsecClient.DynsecException {
        ObjectNode role = role(username, grant);
        ObjectNode client = DynsecClient.command("createClient").put("username", username).put("password", password)
                .put("textdescription", description);
        if (clientId != null) {
            client.put("clientid", clientId);
        }
        List<JsonNode> answers = dynsec.run(List.of(
                DynsecClient.command("deleteClient").put("username", username),
                DynsecClient.command("deleteRole").put("rolename", username),
                role,
                client,
                DynsecClient.command("addClientRole").put("username", username).put("rolename", username)));
        for (JsonNode answer : answers.subList(2, answers.size())) {
            if (answer.has("error")) {
                throw new DynsecClient.DynsecException(answer.path("command").asText() + " of " + username + ": "
                        + answer.path("error").asText(), null);
            }
        }
    }

    /** The createRole command of an account's grant. */
    private static ObjectNode role(String username, MqttGrant grant) {
        ObjectNode role = DynsecClient.command("createRole").put("rolename", username);
        grant.deniedPublish().forEach(topic -> role.withArray("acls").add(acl("publishClientSend", topic, false, 10)));
        grant.publish().forEach(topic -> role.withArray("acls").add(acl("publishClientSend", topic, true, 0)));
        for (String topic : grant.subscribe()) {
            role.withArray("acls").add(acl("subscribePattern", topic, true, 0));
            // Mosquitto 2.0 checks a shared subscription's whole filter, "$share/<group>/" included.
            role.withArray("acls").add(acl("subscribePattern", "$share/+/" + topic, true, 0));
        }
        return role;
    }

    private void reviewQuietly() {
        try {
            review();
        } catch (RuntimeException | DynsecClient.DynsecException e) {
            LOG.warn("cannot compare Mosquitto's accounts with the registry; trying again in {}", REVIEW_EVERY, e);
        }
    }

    /** One comparison of the broker's device accounts with the registry, and the changes it calls for. */
    void review() throws DynsecClient.DynsecException {
        Map<String, RegisteredDevice> registry = database.list(
                        "SELECT org_slug || '/' || device_id, enabled, write_key_prefix FROM devices",
                        row -> new RegisteredDevice(row.getString(1), row.getBoolean(2), row.getString(3)))
                .stream().collect(Collectors.toMap(RegisteredDevice::username, device -> device));
        long now = System.nanoTime();
        List<ObjectNode> changes = new ArrayList<>();
        List<BrokerAccount> accounts = deviceAccounts();
        for (BrokerAccount account : accounts) {
            RegisteredDevice device = registry.get(account.username());
            if (device == null) {
                if (registeredBefore.contains(account.username()) || unregisteredLongerThanGrace(account.username(), now)) {
                    changes.add(DynsecClient.command("deleteClient").put("username", account.username()));
                    changes.add(DynsecClient.command("deleteRole").put("rolename", account.username()));
                }
            } else {
                boolean current = device.enabled() && account.keyPrefix().equals(device.keyPrefix());
                if (current == account.disabled()) {
                    changes.add(DynsecClient.command(current ? "enableClient" : "disableClient")
                            .put("username", account.username()));
                }
                if (!account.username().equals(account.clientId())) {
                    changes.add(DynsecClient.command("setClientId").put("username", account.username())
                            .put("clientid", account.username()));
                }
            }
        }
        Set<String> awaiting = accounts.stream().map(BrokerAccount::username).filter(name -> !registry.containsKey(name))
                .collect(Collectors.toSet());
        unregisteredSinceNanos.keySet().retainAll(awaiting);
        registeredBefore = registry.keySet();
        if (!changes.isEmpty()) {
            LOG.info("bringing Mosquitto's accounts in step with the registry: {}", changes);
            dynsec.run(changes);
        }
    }

    private boolean unregisteredLongerThanGrace(String username, long nowNanos) {
        long since = unregisteredSinceNanos.computeIfAbsent(username, name -> nowNanos);
        return nowNanos - since >= UNREGISTERED_GRACE.toNanos();
    }

    private List<BrokerAccount> deviceAccounts() throws DynsecClient.DynsecException {
        JsonNode answer = dynsec.run(List.of(DynsecClient.command("listClients").put("verbose", true))).get(0);
        if (answer.has("error")) {
            throw new DynsecClient.DynsecException("listClients: " + answer.path("error").asText(), null);
        }
        List<BrokerAccount> accounts = new ArrayList<>();
        for (JsonNode client : answer.path("data").path("clients")) {
            String username = client.path("username").asText();
            if (RegistryMqttAccess.deviceOf(username).isPresent()) {
                accounts.add(new BrokerAccount(username, client.path("disabled").asBoolean(false),
                        client.path("textdescription").asText(""), client.path("clientid").asText("")));
            }
        }
        return accounts;
    }

    private static ObjectNode acl(String type, String topic, boolean allow, int priority) {
        return DynsecClient.object().put("acltype", type).put("topic", topic).put("allow", allow)
                .put("priority", priority);
    }

    private static String username(DeviceRef device) {
        return device.orgSlug() + "/" + device.deviceId();
    }

    @Override
    public void close() {
        reviews.shutdownNow();
        dynsec.close();
    }
}
