package io.plantline.local;

/**
 * The parts of the local stack in the order they are stopped: each before the parts it uses, so nothing is left
 * waiting on a server that has gone (a pool on a stopped PostgreSQL waits out its connection timeout).
 */
enum StackPart {
    /** Samples every other part. */
    STATUS_LINE("status line"),
    /** Publishes to the MQTT broker. */
    SIMULATOR("simulator"),
    /** Uses PostgreSQL, Kafka, Flink's REST API and the mail catcher. */
    CONTROL_API("control API"),
    MAIL_CATCHER("mail catcher"),
    /** Takes device messages from the broker, writes Kafka, reads the registry in PostgreSQL. */
    BRIDGE("bridge"),
    /** Its jobs read Kafka and write PostgreSQL and Kafka. */
    FLINK("Flink MiniCluster"),
    /** Checks device logins against the registry pool. */
    MQTT_BROKER("MQTT broker"),
    REGISTRY_POOL("MQTT registry pool"),
    KAFKA_ADMIN("Kafka admin client"),
    DATABASE_POOL("database pool"),
    KAFKA("Kafka"),
    POSTGRESQL("PostgreSQL");

    private final String label;

    StackPart(String label) {
        this.label = label;
    }

    @Override
    public String toString() {
        return label;
    }
}
