/** The mempool library's telemetry commands, as DPDK's: `/mempool/list` and `/mempool/info,<name>`. */
import { memzoneList } from './memzone.js';
import { Mempool, MEMPOOL_MZ_PREFIX } from './mempool.js';
import type { Arena } from './arena.js';
import { registerTelemetryCommand, TELEMETRY_OWNER, type TelemetryHandler, type TelemetryValue } from '../telemetry/commands.js';

/** nic has one arena per instance on no particular NUMA node, and one mempool driver (the ring). */
const SOCKET_ID = 0;
const OPS_INDEX = 0;
/** nic's objects have no trailer (DPDK's debug cookie sits in the header). */
const TRAILER_SIZE = 0;
const MEMZONE_FLAGS = 0;

function pools(arena: Arena): Mempool[] {
  const found: Mempool[] = [];
  for (const zone of memzoneList(arena)) {
    if (!zone.name.startsWith(MEMPOOL_MZ_PREFIX)) continue;
    const pool = Mempool.fromOffset(arena, zone.offset);
    if (pool) found.push(pool);
  }
  return found;
}

const list: TelemetryHandler = (_params, { eal }) => pools(eal.arena).map((p) => p.name);

const info: TelemetryHandler = (name, { eal }) => {
  if (name === undefined || name === '') return undefined;
  const pool = pools(eal.arena).find((p) => p.name === name);
  // DPDK answers an empty dictionary for a name no pool has.
  const none: Record<string, TelemetryValue> = {};
  if (!pool) return none;
  const zone = memzoneList(eal.arena).find((z) => z.offset === pool.offset);
  return {
    name: pool.name,
    pool_id: pool.serial,
    flags: pool.flags,
    socket_id: SOCKET_ID,
    size: pool.size,
    cache_size: pool.cacheSize,
    elt_size: pool.eltSize,
    header_size: pool.headerSize,
    trailer_size: TRAILER_SIZE,
    private_data_size: pool.privSize,
    ops_index: OPS_INDEX,
    populated_size: pool.size,
    mz_name: zone?.name ?? '',
    mz_len: zone?.length ?? 0,
    mz_hugepage_sz: eal.arena.handle().iova.pageSize,
    mz_socket_id: SOCKET_ID,
    mz_flags: MEMZONE_FLAGS,
  };
};

/** Registers the mempool commands (idempotent). */
export function registerMempoolTelemetry(): void {
  registerTelemetryCommand('/mempool/list', list, 'Returns list of available mempool. Takes no parameters', TELEMETRY_OWNER);
  registerTelemetryCommand('/mempool/info', info, 'Returns mempool info. Parameters: pool_name', TELEMETRY_OWNER);
}
