package io.pim.metalearner.kafka;

import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.apicurio.registry.serde.avro.AvroSerdeConfig;
import io.apicurio.registry.resolver.config.SchemaResolverConfig;
import io.apicurio.registry.serde.config.SerdeConfig;
import io.pim.metalearner.config.RegistryClientConfig;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

import java.util.HashMap;
import java.util.Map;

/**
 * Avro serdes on Apicurio Registry writing the Confluent wire format: magic byte 0x00, a 4-byte
 * content id, then the Avro binary; no headers. These are Apicurio 3's defaults, set explicitly
 * here so a change of default can't silently change what is on the topics. Confluent clients
 * read and write the same bytes through the registry's {@code /apis/ccompat/v7} API.
 */
public final class AvroSerdes {
    static {
        AvroLimits.apply(); // before any of these serdes decodes a record
    }

    private AvroSerdes() {
    }

    /** Client config shared by every Avro serializer/deserializer of this service. */
    public static Map<String, Object> config(RegistryClientConfig registry) {
        Map<String, Object> config = new HashMap<>();
        config.put(SerdeConfig.REGISTRY_URL, registry.url());
        if (registry.basicAuth()) {
            config.put(SchemaResolverConfig.AUTH_USERNAME, registry.username());
            config.put(SchemaResolverConfig.AUTH_PASSWORD, registry.password());
        }
        if (registry.oauth2()) {
            config.put(SchemaResolverConfig.AUTH_TOKEN_ENDPOINT, registry.tokenEndpoint());
            config.put(SchemaResolverConfig.AUTH_CLIENT_ID, registry.clientId());
            config.put(SchemaResolverConfig.AUTH_CLIENT_SECRET, registry.clientSecret());
        }
        config.put(SerdeConfig.AUTO_REGISTER_ARTIFACT, true);
        config.put(SerdeConfig.USE_ID, "contentId");
        config.put("apicurio.registry.headers.enabled", false);
        config.put(AvroSerdeConfig.USE_SPECIFIC_AVRO_READER, true);
        // the default provider rehashes the schema per record; this one caches by identity
        config.put(AvroSerdeConfig.AVRO_DATUM_PROVIDER, CachingAvroDatumProvider.class.getName());
        return config;
    }

    /** A value serde for a generated Avro class. */
    public static <T extends SpecificRecord> Serde<T> value(RegistryClientConfig registry) {
        AvroKafkaSerializer<T> serializer = new AvroKafkaSerializer<>();
        AvroKafkaDeserializer<T> deserializer = new AvroKafkaDeserializer<>();
        Map<String, Object> config = config(registry);
        serializer.configure(config, false);
        deserializer.configure(config, false);
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
