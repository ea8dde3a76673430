// CACHE_MEMORY_MB, the memory for caches, split: 40% to SQLite's page cache of each of the two
// connections (writer, reader), 20% to the read caches (ReadCache in db/prepared.ts: answers of
// recent reads, bounded by their estimated bytes). SQLITE_CACHE_MB, when set, gives each
// connection's page cache itself (the setting from before CACHE_MEMORY_MB).

export interface CacheMemory {
  /** The whole, in MiB (80). */
  cacheMemoryMb: number;
  /** SQLite: the page cache of each of the two connections, in MiB (32). */
  sqliteCacheMb: number;
  /** SQLite: what the read caches may keep, in MiB (16). */
  readCacheMb: number;
}

export function splitCacheMemory(cacheMemoryMb: number, sqliteCacheMb: number | undefined): CacheMemory {
  return {
    cacheMemoryMb,
    // To the KiB: PRAGMA cache_size counts KiB.
    sqliteCacheMb: sqliteCacheMb ?? Math.round(cacheMemoryMb * 0.4 * 1024) / 1024,
    readCacheMb: cacheMemoryMb * 0.2,
  };
}
