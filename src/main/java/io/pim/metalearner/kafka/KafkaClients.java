package io.pim.metalearner.kafka;

import io.pim.metalearner.config.RoleConfig;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

import java.util.HashMap;
import java.util.Map;

/**
 * The one place producers, consumers and admin clients are made: each gets the cluster address and
 * every {@code kafka.*} key of the configuration (TLS, SASL, ...), then the settings of its job.
 * Producers are idempotent with {@code acks=all}; consumers read committed data only and commit
 * nothing by themselves, since every reader here either seeks or commits after its work is done.
 */
public final class KafkaClients {
    private final RoleConfig config;

    public KafkaClients(RoleConfig config) {
        this.config = config;
    }

    /** What every client of this process gets: the bootstrap servers and the {@code kafka.*} keys. */
    public Map<String, Object> common() {
        Map<String, Object> p = new HashMap<>(config.kafkaClientProperties());
        p.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        return p;
    }

    /** @param settings the job's own settings (e.g. {@code linger.ms}); they win over the defaults */
    public <K, V> KafkaProducer<K, V> producer(String clientId, Serializer<K> keys, Serializer<V> values,
                                               Map<String, Object> settings) {
        Map<String, Object> p = common();
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.putAll(settings);
        return new KafkaProducer<>(p, keys, values);
    }

    /** @param settings the job's own settings (e.g. {@code group.id}); they win over the defaults */
    public <K, V> KafkaConsumer<K, V> consumer(String clientId, Deserializer<K> keys, Deserializer<V> values,
                                               Map<String, Object> settings) {
        Map<String, Object> p = common();
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.putAll(settings);
        return new KafkaConsumer<>(p, keys, values);
    }

    public Admin admin() {
        return Admin.create(common());
    }
}
