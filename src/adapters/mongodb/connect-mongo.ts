import { MongoClient, type Db, type MongoClientOptions, type ReadConcernLevel, type W } from 'mongodb';

/** An open driver connection and the database Durably uses. */
export interface MongoConnection {
  readonly client: MongoClient;
  readonly db: Db;
  close(): Promise<void>;
}

/**
 * The write concern Durably asks for unless the connection string says otherwise: a write is acknowledged once a
 * majority of the replica set has it in its journal. Such a write survives a failover (it is never rolled back) and a
 * crash of any minority of nodes — the promise behind "an acknowledged episode commit is never lost". On a standalone
 * server `w: 'majority'` means the one node, journaled.
 */
export const DURABLY_WRITE_CONCERN = { w: 'majority', journal: true } as const satisfies { readonly w: W; readonly journal: boolean };

/**
 * The read concern Durably uses unless the connection string says otherwise: `local`, on the primary. Every decision
 * the runtime takes is a conditional write (a claim, a versioned history append, a job lock) that the primary applies
 * to its newest data whatever the read concern; the reads that feed those writes (the history after a claim, the
 * inbox, the job a lock names) must see at least that data, which a `majority` read, lagging behind the primary's
 * applied writes, would not guarantee. Durability comes from the write concern instead: what Durably acknowledges is
 * majority-committed; what a read may see beyond that is another process's write not yet acknowledged to it.
 */
export const DURABLY_READ_CONCERN: ReadConcernLevel = 'local';

/** The connection-string options (lower case) that choose a read preference. */
const READ_PREFERENCE_KEYS = ['readpreference', 'readpreferencetags', 'maxstalenessseconds'];

/**
 * The driver options Durably sets: {@link DURABLY_WRITE_CONCERN}, {@link DURABLY_READ_CONCERN} and read preference
 * `primary`, each only where the connection string leaves it open (the driver lets an option given in code override
 * the URI, so a user's `w=1` or `readConcernLevel=majority` would otherwise be silently replaced). Retryable writes and
 * reads are the driver's defaults (`true`) and are left alone: a URI's `retryWrites=false` still wins.
 */
export function durablyClientOptions(uri: string): MongoClientOptions {
  // A client that never connects parses the URI as the real one will (tags, numbers, `wtimeoutMS`, case).
  const fromUri = new MongoClient(uri).options;
  const written = fromUri.writeConcern;
  const options: MongoClientOptions = {
    serverSelectionTimeoutMS: 10_000,
    writeConcern: {
      w: written?.w ?? DURABLY_WRITE_CONCERN.w,
      journal: written?.journal ?? DURABLY_WRITE_CONCERN.journal,
      ...(written?.wtimeoutMS === undefined ? {} : { wtimeoutMS: written.wtimeoutMS }),
    },
  };
  if (fromUri.readConcern?.level === undefined) options.readConcern = { level: DURABLY_READ_CONCERN };
  // Every parsed client has a read preference (`primary` by default): only the URI's text tells whether it was chosen.
  if (!READ_PREFERENCE_KEYS.some((key) => uriOptionKeys(uri).has(key))) options.readPreference = 'primary';
  return options;
}

/**
 * Connects the official driver with {@link durablyClientOptions}. The database is `dbName`, else the one named in the
 * URI, else `durably`. Every collection Durably and its scheduler use comes from this client's database, so they all
 * inherit its concerns (see docs/replica-sets.md).
 */
export async function connectMongo(uri: string, dbName?: string): Promise<MongoConnection> {
  const client = new MongoClient(uri, durablyClientOptions(uri));
  await client.connect();
  const fromUri = client.options.dbName;
  const db = client.db(dbName ?? (fromUri !== undefined && fromUri !== 'test' ? fromUri : 'durably'));
  return { client, db, close: () => client.close() };
}

// The option names in a connection string's query, lower-cased (the driver matches them case-insensitively).
function uriOptionKeys(uri: string): ReadonlySet<string> {
  const query = uri.indexOf('?');
  if (query < 0) return new Set();
  return new Set([...new URLSearchParams(uri.slice(query + 1)).keys()].map((key) => key.toLowerCase()));
}
