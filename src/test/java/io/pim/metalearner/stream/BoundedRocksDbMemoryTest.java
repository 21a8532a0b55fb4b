package io.pim.metalearner.stream;

import io.pim.metalearner.config.ServiceConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BoundedRocksDbMemoryTest {
    private static final ServiceConfig CONFIG = ServiceConfig.of("kafka:9092", "http://registry:8080/apis/registry/v3");

    @Test
    void theServiceBoundsRocksDbWithTheSizesOfItsConfig() {
        // given sizes in the service's config
        ServiceConfig config = CONFIG.with(Map.of("rocksdb.memory.bytes", "67108864", "rocksdb.write-buffer.bytes", "8388608"));

        // when the service builds its Kafka Streams settings
        Properties streams = LearningService.streamsProperties(config);

        // then every store is configured by the bounding setter, which reads those sizes
        assertThat(streams.get(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG)).isEqualTo(BoundedRocksDbMemory.class);
        assertThat(streams).containsEntry(BoundedRocksDbMemory.MEMORY_BYTES, 67108864L)
                .containsEntry(BoundedRocksDbMemory.WRITE_BUFFER_BYTES, 8388608L);
        // and the defaults are the documented ones
        assertThat(CONFIG.rocksDbMemoryBytes()).isEqualTo(128L << 20);
        assertThat(CONFIG.rocksDbWriteBufferBytes()).isEqualTo(32L << 20);
    }

    @Test
    void everyStoreSharesOneCacheAndOneWriteBufferManager() {
        RocksDB.loadLibrary();
        Map<String, Object> configs = new HashMap<>(Map.of(BoundedRocksDbMemory.MEMORY_BYTES, 16L << 20,
                BoundedRocksDbMemory.WRITE_BUFFER_BYTES, 4L << 20));
        BoundedRocksDbMemory setter = new BoundedRocksDbMemory();
        try (Options learners = storeOptions(); Options joins = storeOptions()) {
            // when two stores are configured
            setter.setConfig("learners", learners, configs);
            setter.setConfig("join-state", joins, configs);

            // then they share the write-buffer manager (charged to the shared cache) and keep their index and filter blocks in it
            assertThat(learners.writeBufferManager()).isNotNull().isSameAs(joins.writeBufferManager());
            for (Options o : new Options[] {learners, joins}) {
                BlockBasedTableConfig table = (BlockBasedTableConfig) o.tableFormatConfig();
                assertThat(table.cacheIndexAndFilterBlocks()).isTrue();
                assertThat(table.cacheIndexAndFilterBlocksWithHighPriority()).isTrue();
                assertThat(table.pinTopLevelIndexAndFilter()).isTrue();
            }
            // and closing a store leaves the shared ones to the others
            setter.close("learners", learners);
            Options next = storeOptions();
            setter.setConfig("learners", next, configs);
            assertThat(next.writeBufferManager()).isSameAs(joins.writeBufferManager());
            next.close();
        }
    }

    @Test
    void memtablesMustLeaveRoomInTheCache() {
        assertThatThrownBy(() -> CONFIG.with(Map.of("rocksdb.memory.bytes", "33554432", "rocksdb.write-buffer.bytes", "33554432")))
                .hasMessageContaining("rocksdb.write-buffer.bytes").hasMessageContaining("less than rocksdb.memory.bytes");
    }

    /** Options as Kafka Streams hands them to the setter: with a block-based table config. */
    private static Options storeOptions() {
        Options options = new Options();
        options.setTableFormatConfig(new BlockBasedTableConfig());
        return options;
    }
}
