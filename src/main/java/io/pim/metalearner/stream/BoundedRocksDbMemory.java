package io.pim.metalearner.stream;

import org.apache.kafka.streams.state.RocksDBConfigSetter;
import org.rocksdb.BlockBasedTableConfig;
import org.rocksdb.Cache;
import org.rocksdb.LRUCache;
import org.rocksdb.Options;
import org.rocksdb.WriteBufferManager;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds the off-heap memory of all RocksDB stores of the process (Kafka Streams' documented
 * pattern, "bounded memory usage"): every store instance, of every task, uses one shared block
 * cache, which also holds the index and filter blocks and is charged for the memtables through one
 * write-buffer manager. Without it each store instance has its own cache and memtables, so memory
 * grows with the number of stores times the tasks an instance holds.
 */
public final class BoundedRocksDbMemory implements RocksDBConfigSetter {
    /** The cache's size in bytes: all of RocksDB's memory (Streams passes the config's originals to {@link #setConfig}). */
    public static final String MEMORY_BYTES = "metalearner.rocksdb.memory.bytes";
    /** Of which memtables at most, in bytes. */
    public static final String WRITE_BUFFER_BYTES = "metalearner.rocksdb.write-buffer.bytes";
    /** The share of the cache kept for index and filter blocks (high priority), so data blocks cannot evict them. */
    private static final double INDEX_FILTER_RATIO = 0.1;

    private record Shared(Cache cache, WriteBufferManager writeBuffers) {
    }

    /**
     * One cache and manager per size, for the life of the process: they outlive every store that
     * uses them (a store closes; the next task's store takes the same ones), and one JVM running
     * two services with other sizes (the tests, the demo) keeps each its own bound.
     */
    private static final Map<String, Shared> SHARED = new ConcurrentHashMap<>();

    @Override
    public void setConfig(String storeName, Options options, Map<String, Object> configs) {
        long memory = bytes(configs, MEMORY_BYTES);
        long writeBuffers = bytes(configs, WRITE_BUFFER_BYTES);
        Shared shared = SHARED.computeIfAbsent(memory + "/" + writeBuffers, k -> {
            Cache cache = new LRUCache(memory, -1, false, INDEX_FILTER_RATIO);
            return new Shared(cache, new WriteBufferManager(writeBuffers, cache));
        });
        BlockBasedTableConfig table = (BlockBasedTableConfig) options.tableFormatConfig();
        table.setBlockCache(shared.cache());
        table.setCacheIndexAndFilterBlocks(true);
        table.setCacheIndexAndFilterBlocksWithHighPriority(true);
        table.setPinTopLevelIndexAndFilter(true);
        options.setWriteBufferManager(shared.writeBuffers());
        options.setTableFormatConfig(table);
    }

    @Override
    public void close(String storeName, Options options) {
        // the cache and the manager are shared by every store: closing one store must not free them
    }

    private static long bytes(Map<String, Object> configs, String key) {
        Object value = configs.get(key);
        if (value == null) throw new IllegalStateException(key + " is not set: LearningService.streamsProperties sets it");
        return Long.parseLong(value.toString());
    }
}
