package io.pim.metalearner.kafka;

import io.apicurio.registry.serde.avro.DefaultAvroDatumProvider;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DatumWriter;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Apicurio's datum provider with its writer and reader caches keyed by schema identity. The
 * default one looks its caches up by the schema's parsing fingerprint, which it recomputes for
 * every record (canonical form as a string, then a 64-bit hash): on the training path that was
 * about a fifth of the stream thread's CPU (profiled with JFR, see docs/BENCHMARKS.md). Generated
 * classes hand the serializer the same {@code SCHEMA$} instance every time, and the schema
 * resolver hands the deserializer one cached instance per content id, so identity hits; a miss
 * falls through to the default provider, which is always correct.
 */
public final class CachingAvroDatumProvider<T> extends DefaultAvroDatumProvider<T> {
    // The resolver may hand out a new instance for the same schema when its cache entry is
    // refreshed; emptying the map now and then keeps that from accumulating.
    private static final int MAX_ENTRIES = 64;
    private final Map<Schema, DatumWriter<T>> writers = Collections.synchronizedMap(new IdentityHashMap<>());
    private final Map<Schema, DatumReader<T>> readers = Collections.synchronizedMap(new IdentityHashMap<>());

    @Override
    public DatumWriter<T> createDatumWriter(T data, Schema schema) {
        DatumWriter<T> writer = writers.get(schema);
        if (writer == null) {
            writer = super.createDatumWriter(data, schema);
            if (writers.size() >= MAX_ENTRIES) writers.clear();
            writers.put(schema, writer);
        }
        return writer;
    }

    @Override
    public DatumReader<T> createDatumReader(Schema schema) {
        DatumReader<T> reader = readers.get(schema);
        if (reader == null) {
            reader = super.createDatumReader(schema);
            if (readers.size() >= MAX_ENTRIES) readers.clear();
            readers.put(schema, reader);
        }
        return reader;
    }
}
